//! Tables printed on the terminal (comfy-table): aligned however wide the
//! numbers get, Markdown-compatible so they paste into a report as they are.

use comfy_table::{CellAlignment, ContentArrangement, Table, presets};

use crate::compare::buys::Purchase;
use crate::compare::{Pairing, Ranked, Row};
use crate::report::html::{BUYS_HEADER, buys_cells, compare_cells};

/// A table with `header`; columns whose index is in `left` are left-aligned,
/// the rest (numbers) right-aligned.
pub fn table<S: AsRef<str>>(header: &[S], rows: &[Vec<String>], left: &[usize]) -> String {
    let mut t = Table::new();
    t.load_style(presets::ASCII_MARKDOWN)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().map(|h| h.as_ref()));
    for row in rows {
        t.add_row(row);
    }
    for (i, column) in t.column_iter_mut().enumerate() {
        column.set_cell_alignment(if left.contains(&i) {
            CellAlignment::Left
        } else {
            CellAlignment::Right
        });
    }
    t.to_string()
}

fn compare_rows(rows: &[&Row]) -> Vec<Vec<String>> {
    rows.iter().map(|r| compare_cells(r)).collect()
}

/// What `tiersim compare` prints: the pairing, the headline outcomes, the
/// largest other changes, the inputs that differ and what the reform buys.
pub fn comparison(ranked: &Ranked<'_>, pairing: &Pairing, buys: &[Purchase]) -> String {
    let n = pairing.common.len();
    let header = |first: &str| {
        [
            first.to_string(),
            "baseline".into(),
            "reform".into(),
            "difference".into(),
            "95% interval".into(),
            "diff / SE".into(),
        ]
    };
    let mut out = format!(
        "reform - baseline, paired over {n} replication(s) on common seeds; shares change in percentage points (pp)\n"
    );
    let sections = [
        ("headline outcomes", &ranked.headline),
        (
            "largest other changes, by |difference| / standard error",
            &ranked.others,
        ),
        ("inputs that differ (not effects)", &ranked.inputs),
    ];
    for (title, rows) in sections {
        if !rows.is_empty() {
            out.push('\n');
            out.push_str(&table(&header(title), &compare_rows(rows), &[0]));
            out.push('\n');
        }
    }
    out.push_str(&what_it_buys(buys));
    out
}

/// The "What the reform buys" section: fund spending per unit of effect.
fn what_it_buys(buys: &[Purchase]) -> String {
    if buys.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = buys.iter().map(buys_cells).collect();
    format!(
        "\nWhat the reform buys\n\
         fund_total change / effect change, mean paired differences; 95% sets by Fieller's theorem \
         (unbounded where the effect's own interval contains 0)\n{}\n",
        table(&BUYS_HEADER, &rows, &[0, 4, 5])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_stay_aligned_however_wide_the_numbers() {
        let rows = vec![
            vec!["county".to_string(), "1.0".to_string()],
            vec!["regional".to_string(), "123,456,789.0".to_string()],
        ];
        let text = table(&["tier", "visits"], &rows, &[0]);
        let widths: Vec<usize> = text.lines().map(|l| l.chars().count()).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "ragged table:\n{text}");
        let pipes: Vec<Vec<usize>> = text
            .lines()
            .map(|l| l.char_indices().filter(|(_, c)| *c == '|').map(|(i, _)| i).collect())
            .collect();
        assert!(pipes.windows(2).all(|w| w[0] == w[1]), "columns move:\n{text}");
        let county = text.lines().find(|l| l.contains("county")).unwrap();
        assert!(county.ends_with("           1.0 |"), "numbers right-aligned:\n{text}");
    }
}
