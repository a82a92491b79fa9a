//! Refang/defang conformance with the ioc-fanger project's tests (tests/test_ioc_fanger.py,
//! test_dot_variants.py, test_ip_address_handling.py and the sample_text pair), and extraction
//! from the defanged sample matching extraction from the fanged one.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use huntbook_analysis::ioc::{IocExtractor, IocOptions, defang, refang};

fn fangs(pairs: &[(&str, &str)]) {
    for (input, expected) in pairs {
        assert_eq!(refang(input), *expected, "refang({input:?})");
    }
}

fn unchanged(inputs: &[&str]) {
    for input in inputs {
        assert_eq!(
            refang(input),
            *input,
            "refang({input:?}) should leave it alone"
        );
    }
}

#[test]
fn sample_text_refangs_to_the_fanged_sample() {
    let (Some(defanged), Some(fanged)) = (
        huntbook_testkit::shared_data("ioc/ioc-fanger/sample_text_defanged.txt"),
        huntbook_testkit::shared_data("ioc/ioc-fanger/sample_text_fanged.txt"),
    ) else {
        eprintln!("skipped: shared test data not found (set HUNTBOOK_SHARED_DATA)");
        return;
    };
    let defanged = std::fs::read_to_string(defanged).unwrap();
    let fanged = std::fs::read_to_string(fanged).unwrap();
    let ours = refang(&defanged);
    for (n, (a, b)) in ours.lines().zip(fanged.lines()).enumerate() {
        assert_eq!(a, b, "line {}", n + 1);
    }
    assert_eq!(ours, fanged);
}

#[test]
fn extraction_from_defanged_sample_matches_fanged_sample() {
    let (Some(defanged), Some(fanged)) = (
        huntbook_testkit::shared_data("ioc/ioc-fanger/sample_text_defanged.txt"),
        huntbook_testkit::shared_data("ioc/ioc-fanger/sample_text_fanged.txt"),
    ) else {
        eprintln!("skipped: shared test data not found (set HUNTBOOK_SHARED_DATA)");
        return;
    };
    let defanged = std::fs::read_to_string(defanged).unwrap();
    let fanged = std::fs::read_to_string(fanged).unwrap();
    let ex = IocExtractor::new(IocOptions::default()).unwrap();
    let from_defanged = ex.extract(&defanged);
    let from_fanged = ex.extract(&fanged);
    let values = |iocs: &[huntbook_analysis::ioc::Ioc]| -> BTreeSet<(String, String)> {
        iocs.iter()
            .map(|i| (i.ioc_type.to_string(), i.value.clone()))
            .collect()
    };
    assert!(from_fanged.len() > 300, "{}", from_fanged.len());
    assert_eq!(values(&from_defanged), values(&from_fanged));
    assert!(from_fanged.iter().all(|i| !i.defanged));
    for ioc in &from_defanged {
        let spelled = &defanged[ioc.start..ioc.end];
        assert_eq!(
            ioc.defanged,
            spelled != ioc.value && spelled.contains(['[', 'X']),
            "{ioc:?}"
        );
    }
}

#[test]
fn email_addresses() {
    let defanged = "bob[@]example.com bob(@)example.com bob{@}example.com bob[at]example.com \
                    bob(at)example.com bob{at}example.com bob AT example.com bob@example[dot]com \
                    bob@example(dot)com bob@example DOT com";
    assert_eq!(refang(defanged), ["bob@example.com"; 10].join(" "));
    unchanged(&["test@[192.168.0.1]", "john.smith(comment)@example.com"]);
}

#[test]
fn spanish_and_german() {
    fangs(&[
        ("me (arroba) example (punto) com", "me@example.com"),
        ("me(arroba)example(punto)com", "me@example.com"),
        ("me [arroba] example [punto] com", "me@example.com"),
        ("me[arroba]example[punto]com", "me@example.com"),
        ("me@example (punkt) com", "me@example.com"),
        ("me@example(punkt)com", "me@example.com"),
        ("me@example [punkt] com", "me@example.com"),
        ("me@example[punkt]com", "me@example.com"),
    ]);
}

#[test]
fn issues_24_25_47_and_plain_words() {
    unchanged(&[
        "seasharpee",
        "123howp",
        "a. [b",
        "a. (b",
        "analysis), yo",
        "_o_o.lgms.nl_",
    ]);
    unchanged(&["the quick brown fox jumps over the lazy dog, swiftly and quietly"]);
}

#[test]
fn issue_32_defang_does_not_touch_words_starting_with_http() {
    assert_eq!(defang("httptest@test.com"), "httptest(at)test[.]com");
}

#[test]
fn defanging() {
    let text = "see http://example.com and 1.2.3.4, bob@example.com, 5.6.7.8 9.10.11.12";
    let defanged = defang(text);
    for expected in [
        "hXXp://example[.]com",
        "1[.]2[.]3[.]4",
        "bob(at)example[.]com",
        "5[.]6[.]7[.]8",
        "9[.]10[.]11[.]12",
    ] {
        assert!(defanged.contains(expected), "{expected} not in {defanged}");
    }
    assert_eq!(defang("192.168.4.2"), "192[.]168[.]4[.]2");
    assert_eq!(defang("8.8.8.8"), "8[.]8[.]8[.]8");
}

#[test]
fn brackets_around_dots() {
    fangs(&[
        ("www(.)example(.)com", "www.example.com"),
        ("www[.[example[.[com", "www.example.com"),
        ("www].]example].]com", "www.example.com"),
        ("www].[example].[com", "www.example.com"),
        ("foo[.]com", "foo.com"),
        ("foo].[com", "foo.com"),
        ("foo[.[com", "foo.com"),
        ("foo].]com", "foo.com"),
        ("foo{.}com", "foo.com"),
        ("foo}.{com", "foo.com"),
        ("foo{.{com", "foo.com"),
        ("foo}.}com", "foo.com"),
        ("foo 1<.>1<.>1<.>1 bar.", "foo 1.1.1.1 bar."),
    ]);
    unchanged(&[
        "www.[example.[com",
        "www.]example.]com",
        "www[.example[.com",
        "www].example].com",
        "www],example),com",
        "foo[.com",
        "foo.[com",
        "foo].com",
        "foo.]com",
        "foo{.com",
        "foo.{com",
        "foo}.com",
        "foo.}com",
    ]);
}

#[test]
fn dot_words() {
    fangs(&[
        ("fooDOTcom", "foo.com"),
        ("foo[DOT]com", "foo.com"),
        ("foo{DOT}com", "foo.com"),
        ("foo(DOT)com", "foo.com"),
        ("foo[dot]com", "foo.com"),
        ("foo{dot}com", "foo.com"),
        ("foo(dot)com", "foo.com"),
        ("foo-dot-com", "foo.com"),
        ("foo[Dot]com", "foo.com"),
        ("foo[PUNKT]com", "foo.com"),
        ("fooDOT]com", "foo.com"),
        ("fooDOT)com", "foo.com"),
        ("fooDOT}com", "foo.com"),
        ("foodot]com", "foo.com"),
        ("foopunto)com", "foo.com"),
        ("foopunkt}com", "foo.com"),
    ]);
    unchanged(&[
        "foodotcom",
        "http://accounts.dot-example.online",
        "WWW.MDOT.EXAMPLE.VIP/pay",
        "www.mdot.example.vip/pay",
    ]);
}

#[test]
fn odd_misc() {
    fangs(&[
        ("www\\.example\\.com", "www.example.com"),
        ("www^.example^.com", "www.example.com"),
        ("foo[-]bar.com", "foo-bar.com"),
        ("[www].example.com", "www.example.com"),
        ("(www).example.com", "www.example.com"),
        (
            "https://example.com\\/test.php",
            "https://example.com/test.php",
        ),
        (
            "diota[-]ar.com:80/.well-known/acme-challenge/mxr.pdf\n\
             diota[-]ar.com/.well-known/acme-challenge/mxr.pdf",
            "diota-ar.com:80/.well-known/acme-challenge/mxr.pdf\n\
             diota-ar.com/.well-known/acme-challenge/mxr.pdf",
        ),
        (
            "xxxxs://proverka[.]host/ Email: silena[.]berillo(at)gmail[.]com, hto2018(at)yandex[.]ru",
            "https://proverka.host/ Email: silena.berillo@gmail.com, hto2018@yandex.ru",
        ),
        (
            "code to (https://www.linkedin.com/feed/hashtag/?keywords=%23IOCs)<https://example.in/foo>",
            "code to https://www.linkedin.com/feed/hashtag/?keywords=%23IOCs)<https://example.in/foo>",
        ),
    ]);
}

#[test]
fn odd_schemes() {
    let cases = [
        ("xxxx://", "http://"),
        ("xxxxx://", "https://"),
        ("xXxX://", "http://"),
        ("xXxXx://", "https://"),
        ("XXXX://", "http://"),
        ("xxxxs://", "https://"),
        ("hxxp://", "http://"),
        ("hXXp://", "http://"),
        ("hxxps://", "https://"),
        ("hXXps://", "https://"),
        ("http ://", "http://"),
        ("https ://", "https://"),
        ("http:// ", "http://"),
        ("https:// ", "https://"),
        ("http//", "http://"),
        ("https//", "https://"),
        ("http// ", "http://"),
        ("https// ", "https://"),
        ("http:///", "http://"),
        ("http:/// ", "http://"),
        ("http :///", "http://"),
        ("https:///", "https://"),
        ("https:/// ", "https://"),
        ("https :///", "https://"),
        ("[http]://", "http://"),
        ("[https]://", "https://"),
        ("(http)://", "http://"),
        ("(https)://", "https://"),
        ("http]://", "http://"),
        ("https]://", "https://"),
    ];
    for (scheme, fixed) in cases {
        let input = format!("{scheme}example.com/test.php");
        assert_eq!(
            refang(&input),
            format!("{fixed}example.com/test.php"),
            "{input}"
        );
    }
    fangs(&[
        (
            "hxxps[://]example[.]com/test[.]html",
            "https://example.com/test.html",
        ),
        ("xxxxs://example[dot]com", "https://example.com"),
        ("xxxx://example.com", "http://example.com"),
    ]);
    unchanged(&["ldap://example.com/a"]);
}

#[test]
fn odd_email_address_spacing() {
    let at_forms = [
        "foo @ bar.com",
        "foo  @ bar.com",
        "foo @  bar.com",
        "foo  @  bar.com",
        "fooATbar.com",
        "foo AT bar.com",
        "foo  AT bar.com",
        "foo AT  bar.com",
        "foo  AT  bar.com",
        "foo[AT]bar.com",
        "foo(AT)bar.com",
        "foo[at]bar.com",
        "foo(at)bar.com",
        "foo[ET]bar.com",
        "foo(ET)bar.com",
        "foo[et]bar.com",
        "foo(et)bar.com",
        "foo [AT] bar.com",
        "foo (AT) bar.com",
        "foo [at] bar.com",
        "foo (at) bar.com",
        "foo [ET] bar.com",
        "foo (ET) bar.com",
        "foo [et] bar.com",
        "foo (et) bar.com",
        "fooat]bar.com",
        "fooet)bar.com",
        "fooarroba}bar.com",
        "fooAT]bar.com",
        "fooET)bar.com",
        "fooARROBA}bar.com",
        "bob AT bar.com",
    ];
    for input in at_forms {
        let expected = if input.starts_with("bob") {
            "bob@bar.com"
        } else {
            "foo@bar.com"
        };
        assert_eq!(refang(input), expected, "{input}");
    }
    fangs(&[
        ("foo@barDOTcom", "foo@bar.com"),
        ("foo@bar DOT com", "foo@bar.com"),
        ("foo@bar  DOT  com", "foo@bar.com"),
    ]);
    unchanged(&["fooMATbar.com", "fooATAbar.com"]);
}

#[test]
fn odd_hxxp_replacement_and_markdown() {
    fangs(&[
        (
            "In the UI: https://help.passivetotal.org/tags_&_classifications.html \
             (https://help.passivetotal.org/tags_&_classifications.html)",
            "In the UI: https://help.passivetotal.org/tags_&_classifications.html \
             https://help.passivetotal.org/tags_&_classifications.html)",
        ),
        (
            "[https://i.imgur.com/abc.png](https://i.imgur.com/abc.png)",
            "https://i.imgur.com/abc.png]https://i.imgur.com/abc.png)",
        ),
    ]);
    unchanged(&["domain (www.example.com)."]);
}

#[test]
fn idns() {
    assert_eq!(defang("вирус.рф"), "вирус[.]рф");
    assert_eq!(refang("вирус[.]рф"), "вирус.рф");
    assert_eq!(defang("名がドメイン.中国"), "名がドメイン[.]中国");
    assert_eq!(refang("名がドメイン[.]中国"), "名がドメイン.中国");
}

#[test]
fn issue_46_html() {
    fangs(&[(
        "div><div><br></div><div>hxxp://zeplin[.]atwebpages[.]com/inter[.]php</div><",
        "div><div><br></div><div>http://zeplin.atwebpages.com/inter.php</div><",
    )]);
    fangs(&[("192[.]168[.]4[.]2", "192.168.4.2")]);
}

#[test]
fn issue_53_percent_encoded_urls_unchanged() {
    unchanged(&[
        "https://asf.goole.com/mail?url=http%3A%2F%2Ffreasdfuewriter.com%2Fcs%2Fimage%2FCommerciaE.jpg&t=1575955624&ymreqid=733bc9eb-e8f-34cb-1cb5-120010019e00&sig=x2Pa2oOYxanG52s4vyCEFg--~Chttp://uniddloos.zddfdd.org/CBA0019_file_00002_pdf.zip",
        "--~Chttp://uniddloos.zddfdd.org/CBA0019_file_00002_pdf.zip",
        "--~Chttps://uniddloos.zddfdd.org/CBA0019_file_00002_pdf.zip",
    ]);
}

#[test]
fn pr_99_registry_keys_and_escaped_periods() {
    unchanged(&["HKLM\\SOFTWARE\\foo bar\\bing buzz boom\\b"]);
    fangs(&[("foo$.bar foo\\.bar", "foo$.bar foo.bar")]);
}

#[test]
fn issue_71_comma_separated_numbers() {
    fangs(&[
        (" 1,2,3,4,5,6 ", " 1,2,3,4,5,6 "),
        (
            "1,2,3,4\n1,2,3,4,5,6 \n1,2,3,4,5,6\n5,6,7,8 9,10,11,12",
            "1.2.3.4\n1,2,3,4,5,6 \n1,2,3,4,5,6\n5.6.7.8 9.10.11.12",
        ),
        (" 1,2,3,4 ", " 1.2.3.4 "),
        ("1,2,3,4", "1.2.3.4"),
        ("1,2,3,4 1,2,3,4", "1.2.3.4 1.2.3.4"),
    ]);
}

#[test]
fn issue_93_only_octets_up_to_255() {
    fangs(&[
        ("999,999,999,999", "999,999,999,999"),
        ("1,2,3,256", "1,2,3,256"),
        ("300,1,1,1", "300,1,1,1"),
        ("255,255,255,255", "255.255.255.255"),
        ("0,0,0,0", "0.0.0.0"),
        ("1,2,3,4 999,999,999,999", "1.2.3.4 999,999,999,999"),
    ]);
}

#[test]
fn already_fanged_text_passes_through() {
    unchanged(&[
        "https://example.com/a?b=c",
        "HTTP://EXAMPLE.COM/",
        "bob@example.com",
        "10.0.0.1",
        "C:\\Windows\\System32\\cmd.exe",
        "2001:db8::1",
    ]);
}
