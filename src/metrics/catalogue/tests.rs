use std::collections::BTreeMap;

use super::*;

/// The README's metric tables: section heading -> (metric -> unit).
fn readme_tables() -> Vec<(String, BTreeMap<String, String>)> {
    let readme = include_str!("../../../README.md");
    let body = readme
        .split("\n## Outcome metrics")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README has an Outcome metrics section");
    let mut out: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    for line in body.lines() {
        if let Some(h) = line.strip_prefix("### ") {
            out.push((h.to_string(), BTreeMap::new()));
        } else if let (Some(row), Some((_, table))) = (line.strip_prefix("| `"), out.last_mut()) {
            let cells: Vec<&str> = row.split(" | ").collect();
            let unit = cells
                .last()
                .map_or("", |c| c.trim_end_matches(" |").trim_end_matches('|').trim());
            for name in cells[0].split(", ") {
                table.insert(name.trim_matches('`').to_string(), unit.to_string());
            }
        }
    }
    out
}

fn kinds_of(heading: &str) -> &'static [ScopeKind] {
    match heading.split(" (").next().unwrap_or("") {
        "System" => &[ScopeKind::System],
        "Tier and facility" => &[ScopeKind::Tier, ScopeKind::Facility],
        "Medical community" => &[ScopeKind::Alliance],
        "Daily series" => &[ScopeKind::Daily],
        "Groups" => &[ScopeKind::Group],
        other => panic!("README metric section `{other}` has no scope"),
    }
}

#[test]
fn readme_documents_every_metric_with_its_unit() {
    let tables = readme_tables();
    assert_eq!(tables.len(), 5, "five metric tables in the README");
    for (heading, documented) in &tables {
        let kinds = kinds_of(heading);
        let listed: BTreeMap<String, String> = CATALOGUE
            .iter()
            .filter(|d| kinds.iter().any(|k| d.at(*k)))
            .map(|d| (d.name.to_string(), d.unit_name.to_string()))
            .collect();
        assert_eq!(documented, &listed, "README `{heading}` against the catalogue");
    }
}

#[test]
fn names_are_unique_and_ids_index_the_catalogue() {
    for (i, d) in CATALOGUE.iter().enumerate() {
        assert_eq!(d.id as usize, i);
        assert_eq!(d.id.def().name, d.name);
        assert!(!d.unit_name.is_empty(), "{} has a unit name", d.name);
        assert_eq!(CATALOGUE.iter().filter(|o| o.name == d.name).count(), 1, "{}", d.name);
        for a in d.aliases {
            assert!(CATALOGUE.iter().all(|o| o.name != *a), "alias {a} is not a name");
        }
    }
    assert_eq!(canonical("mean_wait_minutes"), "wait_mean_minutes");
    assert_eq!(canonical("mystery"), "mystery");
    assert_eq!(unit_of("mean_wait_minutes"), Unit::Minutes);
    assert_eq!(unit_of("doctors_mean"), Unit::Level);
    assert_eq!(unit_of("mystery"), Unit::Number);
    assert_eq!(bounds_of("budget_surplus").0, f64::NEG_INFINITY);
    assert_eq!(Unit::Share.bounds(), (0.0, 1.0));
    assert_eq!(Unit::Share.clip((-54.0, 102.0), 100.0), (0.0, 100.0));
    assert_eq!(Unit::Minutes.clip((-3.0, 7.0), 1.0), (0.0, 7.0));
    assert_eq!(Unit::Number.clip((-3.0, 7.0), 1.0), (-3.0, 7.0));
}
