//! The on-disk state of a sweep: a manifest, one file per finished point,
//! and the assembled tables.
//!
//! Each point's runs are written to a temporary name and renamed when the
//! point is complete, so a crash leaves only whole points behind; running
//! the sweep again skips them. Final tables are always assembled from the
//! point files, so an interrupted-and-resumed sweep, a sharded-and-merged
//! one and an uninterrupted one write the same bytes.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::results::{self, TableError, num};

pub use crate::results::Manifest;

/// Errors reading or writing a sweep folder. Fatal for the command.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: io::Error,
    },
    /// The folder holds another sweep's results.
    #[error(
        "{} holds results of a different sweep (the sweep file or its base scenario changed): delete it or choose another --out",
        .0.display()
    )]
    Mismatch(PathBuf),
    /// Points are missing when merging.
    #[error(
        "{missing} of {total} points have no results yet (first missing: point {first}); run the remaining shards, then merge again"
    )]
    Incomplete {
        /// Points without results.
        missing: usize,
        /// Points in the sweep.
        total: usize,
        /// Index of the first one missing.
        first: usize,
    },
    /// A folder is not a sweep folder.
    #[error("{}: no sweep manifest (points/manifest.json): not a sweep output folder", .0.display())]
    NotASweep(PathBuf),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to `path` through a temporary sibling and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    crate::report::write_file_atomic(path, bytes).map_err(io_err(path))
}

/// A sweep output folder.
pub struct Store {
    dir: PathBuf,
    manifest: Manifest,
}

impl Store {
    /// Opens (creating) `dir` for `manifest`; refuses a folder holding
    /// another sweep's results.
    pub fn open(dir: &Path, manifest: Manifest) -> Result<Store, StoreError> {
        let points = dir.join("points");
        fs::create_dir_all(&points).map_err(io_err(&points))?;
        let path = points.join("manifest.json");
        match read_manifest(dir) {
            Ok(existing) if existing != manifest => return Err(StoreError::Mismatch(dir.to_path_buf())),
            Ok(_) => {}
            Err(StoreError::NotASweep(_)) => {
                let json = serde_json::to_vec_pretty(&manifest).expect("manifests serialise");
                write_atomic(&path, &json)?;
            }
            Err(e) => return Err(e),
        }
        Ok(Store {
            dir: dir.to_path_buf(),
            manifest,
        })
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn point_path(dir: &Path, point: usize) -> PathBuf {
        dir.join("points").join(format!("p{point:07}.csv"))
    }

    /// Points whose results are saved.
    pub fn done(&self) -> BTreeSet<usize> {
        done_in(&self.dir, self.manifest.points.len())
    }

    /// Saves a finished point's runs (CSV rows without the point columns).
    pub fn save_point(&self, point: usize, csv: &[u8]) -> Result<(), StoreError> {
        write_atomic(&Store::point_path(&self.dir, point), csv)
    }

    /// Writes `points.csv` and `runs.csv` from the saved points; every
    /// point must be there.
    pub fn assemble(&self) -> Result<(), StoreError> {
        let total = self.manifest.points.len();
        let done = self.done();
        if done.len() < total {
            let first = (0..total).find(|p| !done.contains(p)).unwrap_or(0);
            return Err(StoreError::Incomplete {
                missing: total - done.len(),
                total,
                first,
            });
        }
        let mut runs = csv::Writer::from_writer(Vec::new());
        let mut points = csv::Writer::from_writer(Vec::new());
        let mut wide = Wide::default();
        let cols = &self.manifest.columns;
        let header = |tail: &[&str]| -> Vec<String> {
            std::iter::once("point".to_string())
                .chain(cols.iter().cloned())
                .chain(tail.iter().map(|s| s.to_string()))
                .collect()
        };
        let csv_err = |e: csv::Error| StoreError::Io {
            path: self.dir.clone(),
            source: io::Error::other(e.to_string()),
        };
        runs.write_record(header(&results::RUN_COLUMNS)).map_err(csv_err)?;
        let summary: Vec<&str> = ["scope", "id", "metric"]
            .into_iter()
            .chain(results::STATS_COLUMNS)
            .collect();
        points.write_record(header(&summary)).map_err(csv_err)?;
        for (p, labels) in self.manifest.points.iter().enumerate() {
            let rows = results::read_runs(&Store::point_path(&self.dir, p)).map_err(|e| table_err(&self.dir, e))?;
            let lead = || std::iter::once(p.to_string()).chain(labels.iter().cloned());
            for r in &rows {
                runs.write_record(lead().chain(r.fields())).map_err(csv_err)?;
            }
            for (key, stats) in results::summarise(&rows) {
                wide.add(p, key, stats.mean);
                let key = [key.scope.clone(), key.id.clone(), key.metric.clone()];
                points
                    .write_record(lead().chain(key).chain(stats.fields()))
                    .map_err(csv_err)?;
            }
        }
        let runs = runs.into_inner().map_err(|e| csv_err(e.into_error().into()))?;
        let points = points.into_inner().map_err(|e| csv_err(e.into_error().into()))?;
        let wide = wide.csv(cols, &self.manifest.points).map_err(csv_err)?;
        write_atomic(&self.dir.join("runs.csv"), &runs)?;
        write_atomic(&self.dir.join("points.csv"), &points)?;
        write_atomic(&self.dir.join("points_wide.csv"), &wide)
    }
}

/// `points_wide.csv` being built: one row per point, one column per
/// system, tier and alliance metric (its mean over replications).
#[derive(Default)]
struct Wide {
    /// Column names in first-seen order.
    columns: Vec<String>,
    index: std::collections::HashMap<String, usize>,
    /// Per point, the mean of each column (NaN where absent).
    rows: Vec<Vec<f64>>,
}

impl Wide {
    /// Records the mean of (scope, id, metric) at point `p`.
    fn add(&mut self, p: usize, key: &results::Key, mean: f64) {
        let name = match key.scope.as_str() {
            "system" => crate::report::wide_name(&["system", &key.metric]),
            "tier" | "alliance" => crate::report::wide_name(&[&key.scope, &key.id, &key.metric]),
            _ => return,
        };
        let next = self.columns.len();
        let col = *self.index.entry(name.clone()).or_insert_with(|| {
            self.columns.push(name);
            next
        });
        if self.rows.len() <= p {
            self.rows.resize(p + 1, Vec::new());
        }
        let row = &mut self.rows[p];
        if row.len() <= col {
            row.resize(col + 1, f64::NAN);
        }
        row[col] = mean;
    }

    fn csv(&self, axes: &[String], labels: &[Vec<String>]) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["point".to_string()];
        header.extend(axes.iter().map(|a| crate::report::wide_name(&[a])));
        header.extend(self.columns.iter().cloned());
        w.write_record(&header)?;
        for (p, point) in labels.iter().enumerate() {
            let mut row = vec![p.to_string()];
            row.extend(point.iter().cloned());
            let values = self.rows.get(p).map(Vec::as_slice).unwrap_or_default();
            row.extend((0..self.columns.len()).map(|c| values.get(c).map_or_else(String::new, |v| num(*v))));
            w.write_record(&row)?;
        }
        w.into_inner().map_err(|e| e.into_error().into())
    }
}

fn done_in(dir: &Path, total: usize) -> BTreeSet<usize> {
    (0..total).filter(|&p| Store::point_path(dir, p).is_file()).collect()
}

/// The manifest of a sweep folder.
pub fn read_manifest(dir: &Path) -> Result<Manifest, StoreError> {
    results::read_manifest(dir).map_err(|e| table_err(dir, e))
}

fn table_err(dir: &Path, e: TableError) -> StoreError {
    match e {
        TableError::Missing(_) if !dir.join("points").join("manifest.json").is_file() => {
            StoreError::NotASweep(dir.to_path_buf())
        }
        TableError::Missing(path) => StoreError::Io {
            path,
            source: io::Error::from(io::ErrorKind::NotFound),
        },
        TableError::Bad { path, message } => StoreError::Io {
            path,
            source: io::Error::other(message),
        },
    }
}

/// Combines shard folders into `out`: copies every saved point (and the
/// resolved scenario) into it and assembles the tables.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<(), StoreError> {
    let first = dirs.first().ok_or_else(|| StoreError::NotASweep(out.to_path_buf()))?;
    let manifest = read_manifest(first)?;
    for d in &dirs[1..] {
        if read_manifest(d)? != manifest {
            return Err(StoreError::Mismatch(d.clone()));
        }
    }
    // Refuse before writing anything when points are missing.
    let total = manifest.points.len();
    let found: BTreeSet<usize> = dirs.iter().flat_map(|d| done_in(d, total)).collect();
    if found.len() < total {
        let first = (0..total).find(|p| !found.contains(p)).unwrap_or(0);
        return Err(StoreError::Incomplete {
            missing: total - found.len(),
            total,
            first,
        });
    }
    let store = Store::open(out, manifest)?;
    for d in dirs {
        if d == out {
            continue;
        }
        for p in done_in(d, total) {
            let target = Store::point_path(out, p);
            if !target.is_file() {
                let src = Store::point_path(d, p);
                let bytes = fs::read(&src).map_err(io_err(&src))?;
                write_atomic(&target, &bytes)?;
            }
        }
        let scenario = d.join("scenario.toml");
        if scenario.is_file() && !out.join("scenario.toml").is_file() {
            let bytes = fs::read(&scenario).map_err(io_err(&scenario))?;
            write_atomic(&out.join("scenario.toml"), &bytes)?;
        }
    }
    store.assemble()
}
