//! Errors a scenario file can cause. None of them lets a run start: the
//! caller reports every [`Problem`] and exits with status 2.

use std::fmt;
use std::path::PathBuf;

/// One thing wrong in a scenario, located by its key path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// Key path as a user would search for it, e.g. `choice.b_travel` or
    /// `facility "Dongshan THC" (facility[3]).doctors`.
    pub path: String,
    /// Value found, what is allowed, and a hint where there is one.
    pub message: String,
}

impl Problem {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The path with entry names left out, as a sweep axis or a serde
    /// error spells it: `facility "X" (facility[3]).doctors` -> `facility[3].doctors`.
    pub fn plain_path(&self) -> String {
        let mut out = String::new();
        let mut rest = self.path.as_str();
        // Each named entry reads `key "name" (key[i])`.
        while let Some(quote) = rest.find(" \"") {
            let key_start = rest[..quote].rfind(['.', ')']).map_or(0, |i| i + 1);
            let key = &rest[key_start..quote];
            let open = format!("\" ({key}[");
            let Some(name_end) = rest[quote + 2..].find(&open).map(|i| i + quote + 2) else {
                break;
            };
            let Some(close) = rest[name_end..].find(')').map(|i| i + name_end) else {
                break;
            };
            out.push_str(&rest[..key_start]);
            out.push_str(&rest[name_end + 3..close]);
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// Why a scenario could not be loaded. Fatal: nothing can run.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{}: cannot read scenario: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The text is not valid TOML.
    #[error("{origin}: TOML syntax error: {message}")]
    Syntax {
        /// The file (or a label for text that came from elsewhere).
        origin: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The file is a sweep file (it names `base = ...`), not a scenario.
    #[error("{origin}: {message}")]
    NotAScenario {
        /// The file.
        origin: String,
        /// What it is and how to run it.
        message: String,
    },
    /// The TOML is well formed but its contents are not a valid scenario.
    #[error("{}", ProblemList { origin, problems })]
    Invalid {
        /// The file.
        origin: String,
        /// Every problem found, sorted by key path.
        problems: Vec<Problem>,
    },
}

impl ScenarioError {
    /// One line per problem, each naming the file: what a CLI prints after `error: `.
    pub fn lines(&self) -> Vec<String> {
        match self {
            ScenarioError::Invalid { origin, problems } => problems
                .iter()
                .map(|p| format!("{origin}: {}: {}", p.path, p.message))
                .collect(),
            other => vec![other.to_string()],
        }
    }
}

struct ProblemList<'a> {
    origin: &'a str,
    problems: &'a [Problem],
}

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {}: {}", self.origin, p.path, p.message)?;
        }
        Ok(())
    }
}

/// "did you mean `x`?" for the closest of `candidates`, if any is close.
pub fn did_you_mean<'a>(found: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(found, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
}
