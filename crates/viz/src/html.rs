//! The HTML wrapper around a view's SVG and the script that makes it interactive.
//!
//! A wrapped view is one `<div>` holding: a `<style>` block scoped to the view, the SVG, an
//! empty tooltip box, the view's settings as JSON inside `<script type="application/json">`
//! and the interaction script (`html/view.js`, vanilla JavaScript, no libraries). Nothing from
//! the data is ever written into the script itself: the SVG carries it as escaped text and
//! attributes, the JSON carries only numbers and names written by this crate, and `<`, `>` and
//! `&` are escaped in the JSON anyway so it can never close its `<script>` element.

use crate::text::fnv1a;
use crate::view::ViewKind;

const SCRIPT: &str = include_str!("html/view.js");

const STYLE: &str = "\
.hb-view{position:relative;display:inline-block;max-width:100%}\
.hb-view svg{max-width:100%;height:auto;user-select:none;touch-action:none}\
.hb-view .hb-tip{position:fixed;z-index:1000;pointer-events:none;max-width:520px;\
background:#fffff4;border:1px solid #999;border-radius:3px;padding:4px 7px;\
font:12px sans-serif;color:#222;white-space:pre-line;box-shadow:1px 1px 4px #0003}\
.hb-view .hb-help{font:11px sans-serif;color:#777;margin:2px 0 0 4px}\
.hb-view .hb-node{cursor:pointer}";

/// Wraps `svg` (markup written by [`Svg`](crate::Svg)) into the interactive HTML fragment.
pub(crate) fn wrap(kind: ViewKind, svg: &str, config: &serde_json::Value) -> String {
    let id = format!("hb-{:016x}", fnv1a(svg.as_bytes()));
    let mut settings = config.clone();
    if let Some(object) = settings.as_object_mut() {
        object.insert("kind".to_owned(), kind.as_str().into());
    }
    let style = STYLE.replace(".hb-view", &format!("#{id}"));
    let mut out = String::with_capacity(svg.len() + SCRIPT.len() + style.len() + 512);
    out.push_str(&format!(
        "<div class=\"hb-view\" id=\"{id}\" data-hb-kind=\"{kind}\">\n<style>{style}</style>\n"
    ));
    out.push_str(svg);
    out.push_str("<div class=\"hb-tip\" hidden></div>\n");
    out.push_str(&format!("<div class=\"hb-help\">{}</div>\n", help(kind)));
    out.push_str("<script type=\"application/json\" class=\"hb-config\">");
    out.push_str(&json_for_script(&settings));
    out.push_str("</script>\n<script>\n");
    out.push_str(&SCRIPT.replace("__HB_ROOT_ID__", &id));
    out.push_str("</script>\n</div>\n");
    out
}

/// One line telling the reader what the mouse does, written only when the script runs.
fn help(kind: ViewKind) -> &'static str {
    match kind {
        ViewKind::Timeline => {
            "wheel: zoom time · drag: pan · drag on the overview strip: select a window · \
             double-click: reset"
        }
        ViewKind::TimelineDuration => "wheel: zoom time · drag: pan · double-click: reset",
        ViewKind::ProcessTree => {
            "click a process: collapse/expand · wheel: zoom · drag: pan · double-click: reset"
        }
        _ => "wheel: zoom · drag: pan · double-click: reset",
    }
}

/// JSON text that is safe inside a `<script>` element: `<`, `>` and `&` become `\u003c`,
/// `\u003e` and `\u0026`, which JSON parsers read back as the same characters.
pub(crate) fn json_for_script(value: &serde_json::Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_cannot_close_its_script() {
        let value = serde_json::json!({"title": "</script><script>alert(1)</script>"});
        let text = json_for_script(&value);
        assert!(!text.contains('<'));
        assert!(text.contains("\\u003c/script\\u003e"));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, value);
    }

    #[test]
    fn wrapper_has_one_script_and_scoped_style() {
        let html = wrap(
            ViewKind::Matrix,
            "<svg></svg>\n",
            &serde_json::json!({"zoom": "xy"}),
        );
        assert_eq!(html.matches("<script>").count(), 1);
        assert!(html.contains("\"kind\":\"matrix\""));
        assert!(!html.contains("__HB_ROOT_ID__"));
        let id = format!("hb-{:016x}", fnv1a(b"<svg></svg>\n"));
        assert!(html.contains(&format!("#{id} svg{{")));
    }
}
