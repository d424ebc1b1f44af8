//! Client JSON checked before it is typed: an object key given twice is ambiguous (RFC 8259
//! leaves its meaning open, and serde would keep one of the two silently), so it is refused
//! with the path of the second occurrence, spelled as the client spelled it.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The path of the first object key that appears twice in its object (`name`,
/// `turns[0].role`, `metadata.a`), if any; `prefix` is the path of the document itself (empty
/// for a request body). Text that is not valid JSON has no duplicate here: the typed parse
/// that follows reports it.
pub fn duplicate_key(text: &[u8], prefix: &str) -> Option<String> {
    let found = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let walked = Node {
        path: prefix.to_string(),
        found: &found,
    }
    .deserialize(&mut deserializer);
    if walked.is_err() {
        return found.into_inner();
    }
    None
}

/// One value of the document at `path`; records the first duplicate key in `found`.
struct Node<'a> {
    path: String,
    found: &'a RefCell<Option<String>>,
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while seq
            .next_element_seed(Node {
                path: format!("{}[{index}]", self.path),
                found: self.found,
            })?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let path = child(&self.path, &key);
            if !seen.insert(key) {
                *self.found.borrow_mut() = Some(path);
                return Err(de::Error::custom("duplicate key"));
            }
            map.next_value_seed(Node {
                path,
                found: self.found,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_second_occurrence_of_a_key_at_any_depth() {
        let cases = [
            (r#"{"name": "a", "name": "b"}"#, Some("name")),
            (
                r#"{"turns": [{"role": "user"}, {"role": "user", "role": "tool"}]}"#,
                Some("turns[1].role"),
            ),
            (
                r#"{"metadata": {"a": {"x": 1, "x": 2}}}"#,
                Some("metadata.a.x"),
            ),
            (r#"{"a\u0062": 1, "ab": 2}"#, Some("ab")),
            (r#"{"a": 1, "b": {"a": 2}, "c": [{"a": 3}]}"#, None),
            (r#"{"a": "#, None),
        ];
        for (text, expected) in cases {
            assert_eq!(
                duplicate_key(text.as_bytes(), "").as_deref(),
                expected,
                "{text}"
            );
        }
        assert_eq!(
            duplicate_key(br#"{"k": 1, "k": 2}"#, "turns[0].toolCalls[0].args").as_deref(),
            Some("turns[0].toolCalls[0].args.k")
        );
    }
}
