//! Markup and script planted in the data must only ever appear as text.

mod common;

#[test]
fn planted_markup_is_escaped_in_every_view() -> Result<(), Box<dyn std::error::Error>> {
    let mut shown = 0;
    for (name, view) in common::all_views()? {
        for (what, document) in [("svg", view.to_svg_string()), ("html", view.to_html())] {
            assert!(
                !document.contains("<img"),
                "{name} {what}: an <img> element got through"
            );
            assert!(
                !document.contains("onerror=\""),
                "{name} {what}: an attribute got through"
            );
            assert!(
                !document.contains("<script>document") && !document.contains("<script>alert"),
                "{name} {what}: a planted script got through"
            );
            let scripts = document.matches("<script").count();
            let expected = if what == "svg" { 0 } else { 2 };
            assert_eq!(
                scripts, expected,
                "{name} {what}: only the view's own scripts"
            );
            if document.contains("&lt;script&gt;") || document.contains("&lt;img") {
                shown += 1;
            }
        }
    }
    assert!(
        shown >= 12,
        "planted strings shown escaped in only {shown} documents"
    );
    Ok(())
}

#[test]
fn the_json_settings_cannot_end_their_script() -> Result<(), Box<dyn std::error::Error>> {
    for (name, view) in common::all_views()? {
        let html = view.to_html();
        let start = html
            .find("<script type=\"application/json\"")
            .ok_or("no settings")?;
        let body_start = start + html[start..].find('>').ok_or("bad tag")? + 1;
        let body_end = body_start + html[body_start..].find("</script>").ok_or("unclosed")?;
        let body = &html[body_start..body_end];
        assert!(!body.contains('<'), "{name}: settings contain '<'");
        serde_json::from_str::<serde_json::Value>(body)?;
    }
    Ok(())
}
