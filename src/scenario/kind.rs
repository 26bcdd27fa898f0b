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

/// Top-level keys of a scenario file ([`super::raw::RawScenario`]).
pub const SCENARIO_KEYS: [&str; 22] = [
    "name",
    "seed",
    "days",
    "warmup_days",
    "replications",
    "travel",
    "demand",
    "choice",
    "tiers",
    "policy",
    "referral",
    "patience",
    "population",
    "admission",
    "contract",
    "telemedicine",
    "budget",
    "layout",
    "layouts",
    "rotation",
    "region",
    "facility",
];

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
        .any(|k| SCENARIO_KEYS.contains(&k.as_str()) && !SWEEP_KEYS.contains(&k.as_str()));
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
        assert_eq!(serde_keys::<super::super::raw::RawScenario>(), SCENARIO_KEYS);
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
