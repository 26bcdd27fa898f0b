//! Scenario file or sweep file? Told apart by top-level keys, so that
//! `tiersim sweep SCENARIO.toml` and `tiersim run SWEEP.toml` say which
//! command the file is for instead of listing its keys as unknown.

/// Top-level keys of a sweep file (`crate::sweep::spec`'s `RawSweep`).
pub const SWEEP_KEYS: [&str; 8] = [
    "name",
    "base",
    "replications",
    "days",
    "combine",
    "design",
    "set",
    "axis",
];

/// Top-level keys of a scenario file: the fields of
/// [`super::raw::RawScenario`], as its derived `Deserialize` declares them
/// (so a new lever's section needs no line here).
pub fn scenario_keys() -> &'static [&'static str] {
    struct_fields::<super::raw::RawScenario>()
}

/// The field names a derived `Deserialize` of a struct passes to
/// `deserialize_struct`, caught by a deserializer that reads nothing.
fn struct_fields<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    use serde::de::{Error, Visitor, value};

    struct Fields<'a>(&'a mut &'static [&'static str]);

    impl<'de> serde::Deserializer<'de> for Fields<'_> {
        type Error = value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, value::Error> {
            Err(value::Error::custom("not a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, value::Error> {
            *self.0 = fields;
            Err(value::Error::custom("fields read"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }

    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Fields(&mut fields));
    fields
}

/// What kind of file a TOML table looks like, where its keys say so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A scenario: no `base`, and a key only scenarios have.
    Scenario,
    /// A sweep: `base = ...` and no key only scenarios have.
    Sweep,
}

/// The kind `table`'s keys show, or `None` where they do not tell.
pub fn kind_of(table: &toml::Table) -> Option<FileKind> {
    let scenario_only = table
        .keys()
        .any(|k| scenario_keys().contains(&k.as_str()) && !SWEEP_KEYS.contains(&k.as_str()));
    match (table.contains_key("base"), scenario_only) {
        (true, false) => Some(FileKind::Sweep),
        (false, true) => Some(FileKind::Scenario),
        _ => None,
    }
}

/// The message for a sweep file given where a scenario is expected.
pub fn not_a_scenario(table: &toml::Table, origin: &str) -> Option<String> {
    (kind_of(table) == Some(FileKind::Sweep)).then(|| {
        let base = match table.get("base") {
            Some(toml::Value::String(b)) => format!("`base = \"{b}\"`"),
            _ => "`base = ...`".into(),
        };
        format!("is a sweep file, not a scenario file (it names {base}); run it with `tiersim sweep {origin}`")
    })
}

/// The message for a scenario file given where a sweep is expected.
pub fn not_a_sweep(table: &toml::Table, origin: &str) -> Option<String> {
    (kind_of(table) == Some(FileKind::Scenario)).then(|| {
        format!(
            "is a scenario file, not a sweep file (a sweep names `base = \"SCENARIO.toml\"` and the keys to vary); run it with `tiersim run {origin}`"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The allowed keys serde lists for an unknown top-level key.
    fn serde_keys<T: serde::de::DeserializeOwned + std::fmt::Debug>() -> Vec<String> {
        let err = toml::from_str::<T>("not_a_key_of_any_file = 1").unwrap_err();
        err.message()
            .split('`')
            .skip(3)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn key_lists_match_the_file_formats() {
        assert_eq!(serde_keys::<super::super::raw::RawScenario>(), scenario_keys());
        assert!(scenario_keys().contains(&"budget") && scenario_keys().contains(&"facility"));
        assert_eq!(serde_keys::<crate::sweep::spec::RawSweep>(), SWEEP_KEYS);
    }

    #[test]
    fn kinds_follow_base_and_scenario_only_keys() {
        let t = |s: &str| s.parse::<toml::Table>().unwrap();
        assert_eq!(
            kind_of(&t("base = \"b.toml\"\n[[axis]]\npath = \"x\"")),
            Some(FileKind::Sweep)
        );
        assert_eq!(
            kind_of(&t("name = \"x\"\n[[region]]\nname = \"r\"")),
            Some(FileKind::Scenario)
        );
        // A scenario with a stray `base` is a scenario with an unknown key.
        assert_eq!(kind_of(&t("base = 1\n[[region]]\nname = \"r\"")), None);
        assert_eq!(kind_of(&t("name = \"x\"")), None);
    }
}
