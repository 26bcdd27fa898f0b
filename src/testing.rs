//! Scenario fixtures the unit tests share: small TOML pieces, so a test
//! states only what it is about.

/// `[[region]]` "r" holding one settlement of `population` at the origin.
pub(crate) fn region(population: u32) -> String {
    format!("[[region]]\nname = \"r\"\n[[region.settlement]]\nat_km = [0.0, 0.0]\npopulation = {population}\n")
}

/// A `[[facility]]` of `tier` at (`x_km`, 0) treating every severity;
/// `extra` adds its other keys.
pub(crate) fn facility(name: &str, tier: &str, x_km: f64, extra: &str) -> String {
    format!(
        "[[facility]]\nname = \"{name}\"\ntier = \"{tier}\"\nat_km = [{x_km:?}, 0.0]\ncapability = \"critical\"\n{extra}"
    )
}
