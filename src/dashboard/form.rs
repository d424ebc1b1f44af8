//! Small parsers for the pages: `application/x-www-form-urlencoded` bodies (the sign-in form)
//! and the `next` target after sign-in, which must stay on this site.

use std::collections::HashMap;

/// The fields of a form body; a repeated name keeps its last value.
pub fn parse_form(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// Where to go after signing in: `next` if it is a path on this site, else `/`. Anything that
/// a browser could read as another origin (`//host`, `/\host`, a scheme) is refused, so the
/// sign-in page cannot be used to bounce people to another site.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(next) = next.map(str::trim) else {
        return "/".into();
    };
    let on_this_site = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && next.len() <= 2048;
    if on_this_site {
        next.to_string()
    } else {
        "/".into()
    }
}

/// `value` percent-encoded for a query string.
pub fn encode_component(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_decoded() {
        let form = parse_form(b"email=ada%40example.com&password=a+b%2Bc%25&next=%2Fw%2Fx&flag");
        assert_eq!(form["email"], "ada@example.com");
        assert_eq!(form["password"], "a b+c%");
        assert_eq!(form["next"], "/w/x");
        assert_eq!(form["flag"], "");
    }

    #[test]
    fn broken_escapes_are_kept_literally() {
        let form = parse_form(b"a=100%&b=%zz&c=%4");
        assert_eq!(form["a"], "100%");
        assert_eq!(form["b"], "%zz");
        assert_eq!(form["c"], "%4");
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(
            safe_next(Some("/w/1/projects?page=2")),
            "/w/1/projects?page=2"
        );
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "javascript:alert(1)",
            "w/relative",
            "/a\nb",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn components_round_trip_through_the_form_parser() {
        let raw = "/w/1/projects?q=a b&x=é";
        let body = format!("next={}", encode_component(raw));
        assert_eq!(parse_form(body.as_bytes())["next"], raw);
    }
}
