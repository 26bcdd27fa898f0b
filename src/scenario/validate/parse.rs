//! TOML text -> [`RawScenario`], with every syntax and type error in a
//! user's words: one problem, one message, located by the same key paths
//! as the range checks of [`super::Checker`] (`facility "X" (facility[0]).doctors`).

use std::collections::HashMap;
use std::ops::Range;

use serde_path_to_error::Segment;

use super::super::error::{Problem, did_you_mean};
use super::super::raw::RawScenario;

/// "line 3, column 7: invalid table header" from a TOML parse error; a
/// duplicate key or table is named, with the table it is in and the line
/// where it was first given.
pub(crate) fn syntax_message(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim().replace('\n', "; ");
    let Some(span) = e.span() else {
        return message;
    };
    let start = floor_char_boundary(text, span.start);
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let column = before[before.rfind('\n').map_or(0, |i| i + 1)..].chars().count() + 1;
    let message = match message.as_str() {
        "duplicate key" => duplicate_message(text, span).unwrap_or(message),
        _ => message,
    };
    format!("line {line}, column {column}: {message}")
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// "duplicate key `doctors` in `facility[0]` (first given on line 10): ..."
/// from the text at the span toml reports (the second occurrence).
fn duplicate_message(text: &str, span: Range<usize>) -> Option<String> {
    let key = unquote(text.get(span.clone())?.trim());
    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let line_no = text[..line_start].matches('\n').count() + 1;
    let before_key = &text[line_start..span.start];
    let mut scan = Scan::default();
    for (i, line) in text[..line_start].lines().enumerate() {
        scan.line(i + 1, line);
    }
    let trimmed = before_key.trim_start();
    if let Some(inner) = trimmed.strip_prefix('[') {
        // A table header: `[choice]` again, or `[a.b]` where `a.b` is a value.
        let inner = inner.strip_prefix('[').unwrap_or(inner);
        let (mut parents, _) = parse_key(inner).unwrap_or_default();
        parents.push(key.clone());
        let full = scan.display(&parents);
        let first = scan
            .first
            .get(&full)
            .map(|l| format!(" (first given on line {l})"))
            .unwrap_or_default();
        return Some(format!(
            "duplicate table `[{}]`{first}: a table may be given once; put all its keys under one header",
            parents.join(".")
        ));
    }
    // A key: `doctors = ..` again, the last part of a dotted key, or a key in an inline table.
    let mut parents = scan.table.clone();
    match trimmed.find('{') {
        Some(brace) => {
            let (outer, _) = parse_key(&trimmed[..brace]).unwrap_or_default();
            parents.extend(outer);
            let inner_start = trimmed[..].rfind([',', '{']).map_or(0, |i| i + 1);
            let (dotted, _) = parse_key(&trimmed[inner_start..]).unwrap_or_default();
            parents.extend(dotted);
        }
        None => parents.extend(parse_key(trimmed).unwrap_or_default().0),
    }
    let table = scan.display(&parents);
    let mut full_segments = parents.clone();
    full_segments.push(key.clone());
    let full = scan.display(&full_segments);
    let first = scan
        .first
        .get(&full)
        .filter(|&&l| l < line_no)
        .map(|l| format!(" (first given on line {l})"))
        .unwrap_or_default();
    let place = if table.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in table `{table}`")
    };
    Some(format!(
        "duplicate key `{key}` {place}{first}: a key may be given once per table; keep one of them"
    ))
}

/// Tables and keys seen so far, line by line (enough of TOML to locate a
/// duplicate: headers, `key = value` lines, multi-line strings skipped).
#[derive(Default)]
struct Scan {
    /// The current table's key path.
    table: Vec<String>,
    /// Entries so far of each array of tables, by key path (reset when a parent entry starts).
    entries: HashMap<Vec<String>, usize>,
    /// Where each displayed key path was first given.
    first: HashMap<String, usize>,
    in_multiline: Option<&'static str>,
}

impl Scan {
    fn line(&mut self, number: usize, line: &str) {
        if let Some(delim) = self.in_multiline {
            if line.matches(delim).count() % 2 == 1 {
                self.in_multiline = None;
            }
            return;
        }
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("[[") {
            if let Some((path, rest)) = parse_key(rest)
                && rest.trim_start().starts_with("]]")
            {
                let n = self.entries.entry(path.clone()).or_insert(0);
                *n += 1;
                self.entries
                    .retain(|k, _| !(k.len() > path.len() && k.starts_with(&path)));
                self.table = path;
                let shown = self.display(&self.table);
                self.first.entry(shown).or_insert(number);
            }
            return;
        }
        if let Some(rest) = t.strip_prefix('[') {
            if let Some((path, rest)) = parse_key(rest)
                && rest.trim_start().starts_with(']')
            {
                self.table = path;
                let shown = self.display(&self.table);
                self.first.entry(shown).or_insert(number);
            }
            return;
        }
        if let Some((key, rest)) = parse_key(t)
            && let Some(value) = rest.trim_start().strip_prefix('=')
        {
            let mut full = self.table.clone();
            full.extend(key);
            let shown = self.display(&full);
            self.first.entry(shown).or_insert(number);
            for delim in ["\"\"\"", "'''"] {
                if value.matches(delim).count() % 2 == 1 {
                    self.in_multiline = Some(delim);
                }
            }
        }
    }

    /// `region[0].settlement[2].at_km`: entries of arrays of tables indexed.
    fn display(&self, path: &[String]) -> String {
        let mut out = String::new();
        for (i, seg) in path.iter().enumerate() {
            if i > 0 {
                out.push('.');
            }
            out.push_str(seg);
            if let Some(n) = self.entries.get(&path[..=i]) {
                out.push_str(&format!("[{}]", n - 1));
            }
        }
        out
    }
}

/// A (dotted) TOML key at the start of `s` and the text after it.
fn parse_key(s: &str) -> Option<(Vec<String>, &str)> {
    let mut parts = Vec::new();
    let mut rest = s.trim_start();
    loop {
        let (part, after) = if let Some(q @ ('"' | '\'')) = rest.chars().next() {
            let Some(end) = rest[1..].find(q).map(|e| e + 1) else {
                return (!parts.is_empty()).then_some((parts, rest));
            };
            (rest[1..end].to_string(), &rest[end + 1..])
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(rest.len());
            if end == 0 {
                // Nothing after a dot: the key being looked at comes next.
                return (!parts.is_empty()).then_some((parts, rest));
            }
            (rest[..end].to_string(), &rest[end..])
        };
        parts.push(part);
        rest = after.trim_start();
        match rest.strip_prefix('.') {
            Some(r) => rest = r.trim_start(),
            None => return Some((parts, rest)),
        }
    }
}

fn unquote(s: &str) -> String {
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    s.to_string()
}

/// Deserialises, and on each type error or unknown key records it, removes
/// the offending key and tries again, so one run reports all of them.
pub(super) fn parse_raw(mut value: toml::Value) -> (RawScenario, Vec<Problem>) {
    let mut problems = Vec::new();
    for _ in 0..100 {
        let err = match serde_path_to_error::deserialize::<_, RawScenario>(value.clone()) {
            Ok(raw) => return (raw, problems),
            Err(err) => err,
        };
        let mut segments: Vec<Segment> = err.path().iter().cloned().collect();
        let message = err.inner().message().trim().to_string();
        let problem = if let Some((key, expected)) = split_unknown(&message, "unknown field `") {
            // serde_path_to_error stops at the table that holds the unknown key.
            if !matches!(segments.last(), Some(Segment::Map { key: k }) if *k == key) {
                segments.push(Segment::Map { key: key.clone() });
            }
            let hint = did_you_mean(&key, expected.iter().map(String::as_str)).unwrap_or_default();
            Problem::new(
                display_path(&value, &segments),
                format!("unknown key `{key}`{hint}; allowed keys here: {}", expected.join(", ")),
            )
        } else {
            Problem::new(
                display_path(&value, &segments),
                type_message(&value, &segments, &message),
            )
        };
        problems.push(problem);
        if !remove_at(&mut value, &segments) {
            return (RawScenario::default(), problems);
        }
    }
    (RawScenario::default(), problems)
}

/// What was found at `segments` and what the key takes, e.g. `found text
/// "abc": expected a number` or `"Regional" is not allowed: expected one of ...`.
fn type_message(value: &toml::Value, segments: &[Segment], message: &str) -> String {
    let found = value_at(value, segments);
    if let Some((variant, expected)) = split_unknown(message, "unknown variant `") {
        return variant_message(found, &variant, &expected);
    }
    let Some(found) = found else {
        return friendly_type_error(message);
    };
    let expected = message
        .rsplit_once(", expected ")
        .map(|(_, e)| e.lines().next().unwrap_or_default().trim());
    let last_key = segments.iter().rev().find_map(|s| match s {
        Segment::Map { key } => Some(key.as_str()),
        _ => None,
    });
    let expected = match expected {
        // toml's enum deserialiser on a number, boolean or array.
        Some("string only") => match variants(value, segments) {
            Some(names) => format!("one of {}", names.join(", ")),
            None => "text in quotes".into(),
        },
        Some("a sequence") if found.is_table() => {
            let header = segments
                .iter()
                .filter_map(|s| match s {
                    Segment::Map { key } => Some(key.as_str()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join(".");
            format!("an array of tables: write each entry under [[{header}]], with double brackets")
        }
        Some("a sequence") => "an array [..]".into(),
        Some("f64") => "a number".into(),
        Some("i64") => "a whole number".into(),
        Some("a boolean") => "true or false".into(),
        Some("a string") => "text in quotes".into(),
        Some("a map") => "a table".into(),
        Some(e) if e.starts_with("struct ") => "a table".into(),
        Some(e)
            if last_key.is_some_and(|k| k.ends_with("_km"))
                && (e.starts_with("an array of length ") || e.ends_with("elements in array")) =>
        {
            "[x_km, y_km]".into()
        }
        Some(e) if e.starts_with("an array of length ") => {
            format!("an array of {} values", &e["an array of length ".len()..])
        }
        Some(e) => e.to_string(),
        None => return friendly_type_error(message),
    };
    format!("found {}: expected {expected}", describe(found))
}

/// `"Regional" is not allowed: expected one of ...` for a name no variant has.
fn variant_message(found: Option<&toml::Value>, variant: &str, expected: &[String]) -> String {
    match found {
        // An inline table is taken for a tagged enum: its key is no variant.
        Some(v) if !v.is_str() => format!("found {}: expected one of {}", describe(v), expected.join(", ")),
        _ => {
            let hint = did_you_mean(variant, expected.iter().map(String::as_str)).unwrap_or_default();
            format!(
                "\"{variant}\" is not allowed: expected one of {}{hint}",
                expected.join(", ")
            )
        }
    }
}

/// The names an enum key takes, learnt by offering it a value no variant has.
fn variants(value: &toml::Value, segments: &[Segment]) -> Option<Vec<String>> {
    let mut probe = value.clone();
    *value_at_mut(&mut probe, segments)? = toml::Value::String("\u{1}".into());
    let err = serde_path_to_error::deserialize::<_, RawScenario>(probe).err()?;
    let message = err.inner().message().trim().to_string();
    split_unknown(&message, "unknown variant `").map(|(_, expected)| expected)
}

/// A TOML value as a user would name it.
fn describe(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("text {s:?}"),
        toml::Value::Integer(i) => format!("the whole number {i}"),
        toml::Value::Float(f) => format!("the number {f}"),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => format!("the date {d}"),
        toml::Value::Array(a) if a.is_empty() => "an empty array".into(),
        toml::Value::Array(a) if a.len() == 1 => "an array of 1 value".into(),
        toml::Value::Array(a) => format!("an array of {} values", a.len()),
        toml::Value::Table(_) => "a table".into(),
    }
}

fn value_at<'a>(value: &'a toml::Value, segments: &[Segment]) -> Option<&'a toml::Value> {
    segments.iter().try_fold(value, |cur, s| match (s, cur) {
        (Segment::Map { key }, toml::Value::Table(t)) => t.get(key),
        (Segment::Seq { index }, toml::Value::Array(a)) => a.get(*index),
        _ => None,
    })
}

fn value_at_mut<'a>(value: &'a mut toml::Value, segments: &[Segment]) -> Option<&'a mut toml::Value> {
    segments.iter().try_fold(value, |cur, s| match (s, cur) {
        (Segment::Map { key }, toml::Value::Table(t)) => t.get_mut(key),
        (Segment::Seq { index }, toml::Value::Array(a)) => a.get_mut(*index),
        _ => None,
    })
}

/// Splits "unknown field `x`, expected one of `a`, `b`" into ("x", [a, b]).
fn split_unknown(message: &str, prefix: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix(prefix)?;
    let (found, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2).map(str::to_string).collect();
    Some((found.to_string(), expected))
}

/// serde's "invalid type: string \"x\", expected f64" in a user's words,
/// where the value itself cannot be found.
fn friendly_type_error(message: &str) -> String {
    let message = message
        .replace(", expected", ": expected")
        .replace("expected f64", "expected a number")
        .replace("expected i64", "expected a whole number")
        .replace("expected a boolean", "expected true or false")
        .replace("expected an array of length 2", "expected [x_km, y_km]")
        .replace("invalid type: ", "found ");
    message.lines().next().unwrap_or_default().to_string()
}

/// Top-level arrays whose entries the checks name: `facility "X" (facility[3])`.
const NAMED: [&str; 2] = ["facility", "region"];

/// `facility "Dongshan THC" (facility[3]).doctors` style path from serde
/// segments, the same form the range checks use.
fn display_path(value: &toml::Value, segments: &[Segment]) -> String {
    let mut out = String::new();
    for (i, s) in segments.iter().enumerate() {
        match s {
            Segment::Seq { index } => {
                let named = match segments[..i] {
                    [Segment::Map { ref key }] if NAMED.contains(&key.as_str()) => Some(key),
                    _ => None,
                };
                let name = named.and_then(|_| value_at(value, &segments[..=i])?.get("name")?.as_str());
                match (named, name) {
                    (Some(key), Some(name)) if !name.is_empty() => {
                        out = format!("{key} \"{name}\" ({key}[{index}])");
                    }
                    _ => out.push_str(&format!("[{index}]")),
                }
            }
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => out.push_str(".?"),
        }
    }
    if out.is_empty() { "(top level)".into() } else { out }
}

/// Removes the value at `segments` (or, for an array element, the whole
/// array) so parsing can go on. False if nothing could be removed.
fn remove_at(value: &mut toml::Value, segments: &[Segment]) -> bool {
    let Some(last_key) = segments.iter().rposition(|s| matches!(s, Segment::Map { .. })) else {
        return false;
    };
    let Some(toml::Value::Table(t)) = value_at_mut(value, &segments[..last_key]) else {
        return false;
    };
    match &segments[last_key] {
        Segment::Map { key } => t.remove(key).is_some(),
        _ => false,
    }
}

/// Whether a problem at `path` follows from one already reported at a path
/// of `reported` (all in [`Problem::plain_path`] form): at, under or above
/// it, as a key removed for a type error then reads as missing.
pub(super) fn follows_from(path: &str, reported: &[String]) -> bool {
    let under = |a: &str, b: &str| a == b || a.strip_prefix(b).is_some_and(|rest| rest.starts_with(['.', '[']));
    reported.iter().any(|r| under(path, r) || under(r, path))
}
