//! Charts from small synthetic tables and from real small runs and sweeps.

use std::fs;
use std::path::Path;

use plotters::style::FontStyle;

use super::*;

/// Width, height and RGB pixels of a PNG.
fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut reader = png::Decoder::new(png_bytes).read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Share of non-white pixels in the middle of the image (where the plot is).
fn ink(png_bytes: &[u8]) -> f64 {
    let (w, h, px) = decode(png_bytes);
    let (x0, x1, y0, y1) = (w * 15 / 100, w * 95 / 100, h * 12 / 100, h * 90 / 100);
    let mut inked = 0usize;
    for y in y0..y1 {
        for x in x0..x1 {
            let i = (y * w + x) as usize * 3;
            if px[i..i + 3] != [255, 255, 255] {
                inked += 1;
            }
        }
    }
    inked as f64 / f64::from((x1 - x0) * (y1 - y0))
}

/// The chart's PNG has the expected size and ink; its SVG is XML holding `texts`.
fn check(chart: &Chart, size: (u32, u32), min_ink: f64, texts: &[&str]) {
    let (w, h, _) = decode(&chart.png);
    assert_eq!((w, h), size, "{}: PNG size", chart.name);
    let share = ink(&chart.png);
    assert!(
        share >= min_ink,
        "{}: only {share:.3} of the plot area is drawn",
        chart.name
    );
    let doc = roxmltree::Document::parse(&chart.svg).unwrap_or_else(|e| panic!("{}: SVG is not XML: {e}", chart.name));
    let all_text: String = doc.descendants().filter_map(|n| n.text()).collect::<Vec<_>>().join(" ");
    for t in texts {
        assert!(all_text.contains(t), "{}: SVG lacks the text {t:?}", chart.name);
    }
    assert!(all_text.contains(&chart.title), "{}: SVG lacks its title", chart.name);
}

fn by_name<'a>(charts: &'a [Chart], name: &str) -> &'a Chart {
    charts
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no chart {name}"))
}

const STATS: &str = "mean,sd,ci_low,ci_high,n";

/// A synthetic run folder: four tiers, `n_fac` facilities, 30 days x 2 replications.
fn fake_run(dir: &Path, n_fac: usize) {
    let mut tiers = format!("tier,metric,{STATS}\n");
    for (k, t) in ["village", "township", "county", "regional"].iter().enumerate() {
        let f = k as f64 + 1.0;
        for (m, v) in [
            ("first_contact_share", 0.1 * f),
            ("wait_mean_minutes", 3.0 * f),
            ("wait_p50_minutes", 2.0 * f),
            ("wait_p90_minutes", 6.0 * f),
            ("wait_p95_minutes", 8.0 * f),
            ("fund", 1.0e6 * f),
            ("oop", 5.0e5 * f),
            ("referrals_up_out", 1000.0 / f),
            ("referrals_down_out", 100.0 * f),
        ] {
            tiers += &format!("{t},{m},{v},1,{},{},2\n", v * 0.9, v * 1.1);
        }
    }
    let mut fac = format!("facility,tier,region,metric,{STATS}\n");
    for i in 0..n_fac {
        let tier = ["village", "township", "county", "regional"][i % 4];
        let u = (i as f64 * 0.37) % 1.0;
        fac += &format!(
            "Facility number {i},{tier},r,utilization,{u},0.1,{},{},2\n",
            u * 0.9,
            u * 1.1
        );
        let beds = if i % 4 >= 2 {
            format!("{u},0.1,{},{},2", u * 0.8, u * 1.2)
        } else {
            ",,,,0".into()
        };
        fac += &format!("Facility number {i},{tier},r,bed_occupancy,{beds}\n");
    }
    let mut daily = String::from("replication,day,tier,metric,value\n");
    for r in 0..2 {
        for d in 10..40 {
            for (k, t) in ["village", "township", "county", "regional"].iter().enumerate() {
                let v = (k as f64 + 1.0) * 10.0 + f64::from(d % 7) + f64::from(r);
                daily += &format!("{r},{d},{t},max_queue,{v}\n{r},{d},{t},mean_wait_minutes,{}\n", v / 3.0);
            }
        }
    }
    let system = format!("metric,{STATS}\nfirst_contact_grassroots_share,0.3,0.01,0.29,0.31,2\n");
    for (name, body) in [
        ("tiers.csv", tiers),
        ("facilities.csv", fac),
        ("daily.csv", daily),
        ("system.csv", system),
    ] {
        fs::write(dir.join(name), body).unwrap();
    }
}

const RUN_CHARTS: [&str; 8] = [
    "first_contact_share",
    "wait_by_tier",
    "daily_max_queue",
    "daily_mean_wait",
    "doctor_utilization",
    "bed_occupancy",
    "money_by_tier",
    "referrals",
];

#[test]
fn run_charts_of_synthetic_tables() {
    let dir = tempfile::tempdir().unwrap();
    fake_run(dir.path(), 12);
    let charts = run_charts(dir.path()).unwrap();
    let names: Vec<&str> = charts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, RUN_CHARTS);
    let size = (1200, 800);
    check(
        by_name(&charts, "first_contact_share"),
        size,
        0.05,
        &["village", "regional", "(%)", "30.0%"],
    );
    check(
        by_name(&charts, "wait_by_tier"),
        size,
        0.05,
        &["(minutes)", "p90", "county"],
    );
    check(
        by_name(&charts, "daily_max_queue"),
        size,
        0.01,
        &["Day of the simulation", "Patients", "township"],
    );
    check(
        by_name(&charts, "daily_mean_wait"),
        size,
        0.01,
        &["Mean wait (minutes)"],
    );
    check(
        by_name(&charts, "doctor_utilization"),
        size,
        0.03,
        &["Doctor utilization (%)", "Facility number 11"],
    );
    check(
        by_name(&charts, "bed_occupancy"),
        size,
        0.03,
        &["Bed occupancy (%)", "Facility number 2"],
    );
    // Thousands separators on money.
    check(
        by_name(&charts, "money_by_tier"),
        size,
        0.05,
        &["(CNY)", "6,000,000 CNY", "out-of-pocket"],
    );
    check(by_name(&charts, "referrals"), size, 0.05, &["referred up", "1,000"]);
    // Only facilities with beds.
    assert!(!by_name(&charts, "bed_occupancy").svg.contains("Facility number 1\n"));
}

#[test]
fn charts_are_deterministic_and_written_atomically() {
    let dir = tempfile::tempdir().unwrap();
    fake_run(dir.path(), 8);
    let a = run_charts(dir.path()).unwrap();
    let b = run_charts(dir.path()).unwrap();
    for (x, y) in a.iter().zip(&b) {
        assert!(x.png == y.png && x.svg == y.svg, "{} differs between renders", x.name);
    }
    write_charts(dir.path(), &a).unwrap();
    let files: Vec<String> = fs::read_dir(dir.path().join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 2 * RUN_CHARTS.len(), "no temporary files left: {files:?}");
    assert_eq!(
        fs::read(dir.path().join("charts/referrals.png")).unwrap(),
        by_name(&a, "referrals").png
    );
}

#[test]
fn many_facilities_grow_the_chart_without_overlapping_labels() {
    let dir = tempfile::tempdir().unwrap();
    fake_run(dir.path(), 200);
    let charts = run_charts(dir.path()).unwrap();
    let util = by_name(&charts, "doctor_utilization");
    let (_, h, _) = decode(&util.png);
    // 200 rows of at least 18 px each.
    assert!(h >= 200 * 18, "height {h}");
    let doc = roxmltree::Document::parse(&util.svg).unwrap();
    let names = doc
        .descendants()
        .filter(|n| n.is_text() && n.text().is_some_and(|t| t.contains("Facility number")))
        .count();
    assert_eq!(names, 200, "every facility is named");
}

#[test]
fn a_missing_table_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = run_charts(dir.path()).unwrap_err();
    assert!(matches!(err, PlotError::Missing(_)), "{err}");
    let err = sweep_charts(dir.path()).unwrap_err();
    assert!(matches!(err, PlotError::Missing(_)), "{err}");
}

/// A synthetic sweep folder with the given columns and point values.
fn fake_sweep(dir: &Path, columns: &[&str], points: &[Vec<String>]) {
    fs::create_dir_all(dir.join("points")).unwrap();
    let manifest = serde_json::json!({
        "sweep": "t", "fingerprint": "0", "replications": 2, "seed": 1,
        "columns": columns, "points": points,
    });
    fs::write(dir.join("points/manifest.json"), manifest.to_string()).unwrap();
    let mut csv = format!("point,{},scope,id,metric,{STATS}\n", columns.join(","));
    for (p, labels) in points.iter().enumerate() {
        let f = p as f64 + 1.0;
        for (scope, id, metric, v) in [
            ("system", "system", "first_contact_grassroots_share", 0.5 + 0.02 * f),
            ("system", "system", "bypass_rate", 0.3 - 0.01 * f),
            ("system", "system", "grassroots_visit_share", 0.6),
            ("system", "system", "mean_travel_minutes", 20.0 + f),
            ("system", "system", "cost_per_episode", 400.0 + 10.0 * f),
            ("system", "system", "oop_share", 0.4),
            ("tier", "county", "wait_mean_minutes", 8.0 + f),
            ("tier", "village", "wait_mean_minutes", 99.0),
        ] {
            csv += &format!(
                "{p},{},{scope},{id},{metric},{v},0.1,{},{},2\n",
                labels.join(","),
                v * 0.95,
                v * 1.05
            );
        }
    }
    fs::write(dir.join("points.csv"), csv).unwrap();
}

fn points(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r.iter().map(|v| v.to_string()).collect()).collect()
}

const SWEEP_CHARTS: [&str; 7] = [
    "first_contact_grassroots_share",
    "bypass_rate",
    "grassroots_visit_share",
    "mean_travel_minutes",
    "cost_per_episode",
    "oop_share",
    "county_wait_mean_minutes",
];

fn names(charts: &[Chart]) -> Vec<&str> {
    charts.iter().map(|c| c.name.as_str()).collect()
}

/// The charts of a fake sweep over `columns` at `points`, checking that
/// every sweep chart is drawn.
fn sweep_of(dir: &Path, columns: &[&str], points: &[Vec<String>]) -> Vec<Chart> {
    fake_sweep(dir, columns, points);
    let charts = sweep_charts(dir).unwrap();
    assert_eq!(names(&charts), SWEEP_CHARTS);
    charts
}

#[test]
fn one_numeric_axis_gives_lines_with_bands() {
    let dir = tempfile::tempdir().unwrap();
    let charts = sweep_of(
        dir.path(),
        &["policy.rate"],
        &points(&[&["0.4"], &["0.6"], &["0.5"], &["0.7"]]),
    );
    check(
        &charts[0],
        (1200, 800),
        0.05,
        &["policy.rate", "Grassroots first contact (%)"],
    );
    check(
        by_name(&charts, "cost_per_episode"),
        (1200, 800),
        0.05,
        &["Cost per episode (CNY)"],
    );
    assert!(charts[0].svg.contains("<polygon"), "the 95% band is drawn");
}

#[test]
fn a_two_key_grid_gives_heatmaps_with_a_colour_scale() {
    let dir = tempfile::tempdir().unwrap();
    let grid = points(&[
        &["0.5", "4"],
        &["0.5", "8"],
        &["0.7", "4"],
        &["0.7", "8"],
        &["0.9", "4"],
        &["0.9", "8"],
    ]);
    let charts = sweep_of(dir.path(), &["rate", "doctors"], &grid);
    let c = by_name(&charts, "mean_travel_minutes");
    check(c, (1200, 800), 0.4, &["rate", "doctors", "in minutes", "21.0", "26.0"]);
    // The scale is labelled with ticks between the extremes.
    assert!(c.svg.contains(">\n22") || c.svg.contains(">\n24"), "colour scale ticks");
}

#[test]
fn a_text_axis_gives_bars_and_a_design_gives_points() {
    let dir = tempfile::tempdir().unwrap();
    let charts = sweep_of(
        dir.path(),
        &["layout"],
        &points(&[&["lead_only"], &["lead_plus_auxiliary"]]),
    );
    check(
        &charts[0],
        (1200, 800),
        0.05,
        &["lead_only", "lead_plus_auxiliary", "layout", "52.0%"],
    );

    let dir = tempfile::tempdir().unwrap();
    let design = points(&[
        &["0.55", "-0.8", "live"],
        &["0.7", "-1.2", "none"],
        &["0.85", "-1.6", "published"],
    ]);
    let charts = sweep_of(dir.path(), &["rate", "choice.b_travel", "choice.beliefs"], &design);
    check(
        &charts[3],
        (1200, 800),
        0.005,
        &["rate", "Mean travel per episode (minutes)"],
    );
}

#[test]
fn unusual_sweeps_give_fewer_charts_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    // Text first column in a design, too many points for bars.
    let many: Vec<Vec<String>> = (0..80).map(|i| vec![format!("v{i}"), format!("{}", i % 3)]).collect();
    fake_sweep(dir.path(), &["name", "k"], &many);
    assert!(sweep_charts(dir.path()).unwrap().is_empty());
    // A point row with the wrong number of values.
    let dir = tempfile::tempdir().unwrap();
    fake_sweep(dir.path(), &["a"], &[vec!["1".into()], vec!["2".into(), "3".into()]]);
    assert!(sweep_charts(dir.path()).unwrap().is_empty());
    // One point only: a single bar.
    let dir = tempfile::tempdir().unwrap();
    fake_sweep(dir.path(), &["a"], &points(&[&["1"]]));
    assert_eq!(sweep_charts(dir.path()).unwrap().len(), SWEEP_CHARTS.len());
}

fn diff(label: &str, baseline: f64, reform: f64) -> Difference {
    let d = reform - baseline;
    Difference {
        label: label.into(),
        baseline,
        reform,
        diff: d,
        ci_low: d - 0.1 * d.abs(),
        ci_high: d + 0.1 * d.abs(),
        n: 4,
    }
}

#[test]
fn compare_chart_shows_the_largest_relative_changes() {
    let mut diffs: Vec<Difference> = (1..=30)
        .map(|i| diff(&format!("metric {i}"), 100.0, 100.0 + f64::from(i)))
        .collect();
    diffs.push(diff("system cost_per_episode", 450.0, 300.0));
    diffs.push(diff("zero baseline", 0.0, 5.0));
    let chart = compare_chart(&diffs).unwrap();
    assert_eq!(chart.name, "compare");
    check(
        &chart,
        (1200, 800),
        0.03,
        &[
            "Change relative to baseline (%)",
            "system cost_per_episode",
            "450 → 300",
        ],
    );
    // The largest change (-33%) first, the 20 largest only, no zero baseline.
    let doc = roxmltree::Document::parse(&chart.svg).unwrap();
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    // Bars run top to bottom, so the largest change has the smallest y.
    let y_of = |label: &str| -> f64 {
        let node = doc
            .descendants()
            .find(|n| n.has_tag_name("text") && n.text().map(str::trim) == Some(label));
        node.and_then(|n| n.attribute("y"))
            .and_then(|y| y.parse().ok())
            .unwrap()
    };
    assert!(y_of("system cost_per_episode") < y_of("metric 30"));
    assert!(y_of("metric 30") < y_of("metric 29"));
    assert!(!texts.contains(&"metric 11") && texts.contains(&"metric 12"));
    assert!(!texts.contains(&"zero baseline"));
    assert!(texts.contains(&"-33.3% (450 → 300)"));
    assert!(chart.svg.contains("over n = 4 replications"), "n in the footnote");
    // Relative changes keep their negative ticks.
    assert!(texts.iter().any(|t| t.starts_with('-') && t.parse::<f64>().is_ok()));

    let empty = compare_chart(&[]).unwrap();
    check(&empty, (1200, 800), 0.0, &["No differences"]);
}

#[test]
fn numbers_are_formatted_with_separators() {
    use canvas::{Ticks, fmt_num};
    assert_eq!(fmt_num(1234567.891, 1), "1,234,567.9");
    assert_eq!(fmt_num(-1234.0, 0), "-1,234");
    assert_eq!(fmt_num(-0.0001, 1), "0.0");
    assert_eq!(fmt_num(999.0, 0), "999");
    let t = Ticks::nice(0.0, 83.0, 8);
    assert!(
        t.lo == 0.0 && t.hi >= 83.0 && (5..=12).contains(&t.ticks.len()),
        "{t:?}"
    );
    let t = Ticks::nice(0.43, 0.91, 8);
    assert_eq!(t.label(t.ticks[1]), "0.5");
    let flat = Ticks::nice(5.0, 5.0, 8);
    assert!(flat.lo < 5.0 && flat.hi > 5.0);
}

/// Real folders: a small run written like `tiersim run` does and a small sweep.
#[test]
fn charts_of_a_real_run_and_sweep() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/sweeps");
    let scenario = crate::scenario::Scenario::load(&root.join("tiny_base.toml")).unwrap();
    let result = crate::sweep::simulate(&scenario, Some(2), || {}).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let claim = crate::output::claim(
        &tmp.path().join("run"),
        crate::output::Kind::Run,
        &Default::default(),
        &mut |_| {},
    )
    .unwrap();
    let out = claim.stage().unwrap();
    crate::report::write_run(&out, &result.world, &result.runs, &result.summaries).unwrap();
    let run = out.commit().unwrap();
    let charts = run_charts(&run).unwrap();
    let names = names(&charts);
    for n in [
        "first_contact_share",
        "wait_by_tier",
        "daily_max_queue",
        "doctor_utilization",
        "money_by_tier",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    for c in &charts {
        check(c, (1200, decode(&c.png).1), 0.005, &[]);
    }

    let plan = crate::sweep::plan(&root.join("tiny_sweep.toml")).unwrap();
    let opts = crate::sweep::SweepOptions {
        out: tmp.path().join("sweep"),
        threads: Some(2),
        shard: None,
        facility_metrics: false,
    };
    crate::sweep::run_sweep(&plan, &opts, |_| {}, || {}).unwrap();
    let charts = sweep_charts(&opts.out).unwrap();
    assert_eq!(self::names(&charts), SWEEP_CHARTS);
    check(
        &charts[0],
        (1200, 800),
        0.4,
        &["policy.outpatient.rate.township", "tiers.county.doctors"],
    );
}

/// Every text element of an SVG chart, trimmed.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_string())
        .collect()
}

/// Sets every tier's row of `metric` in `tiers.csv` to `values` (the
/// columns after the metric name).
fn set_tier_metric(dir: &Path, metric: &str, values: &str) {
    let key = format!(",{metric},");
    edit(dir, "tiers.csv", |l| {
        if l.contains(&key) {
            let t = l.split(',').next().unwrap();
            format!("{t},{metric},{values}")
        } else {
            l.to_string()
        }
    });
}

/// Rewrites `dir/name` line by line.
fn edit(dir: &Path, name: &str, f: impl Fn(&str) -> String) {
    let text = fs::read_to_string(dir.join(name)).unwrap();
    let out: Vec<String> = text.lines().map(f).collect();
    fs::write(dir.join(name), out.join("\n") + "\n").unwrap();
}

const CJK_NAMES: [&str; 4] = ["市人民医院", "县中医院", "乡镇卫生院（东）", "村卫生室·龙泉"];

#[test]
fn chinese_facility_names_have_every_glyph() {
    let dir = tempfile::tempdir().unwrap();
    fake_run(dir.path(), 8);
    edit(dir.path(), "facilities.csv", |l| {
        let Some(rest) = l.strip_prefix("Facility number ") else {
            return l.to_string();
        };
        let (i, rest) = rest.split_once(',').unwrap();
        let i: usize = i.parse().unwrap();
        format!("{}{i},{rest}", CJK_NAMES[i % 4])
    });
    let charts = run_charts(dir.path()).unwrap();
    let util = by_name(&charts, "doctor_utilization");
    let fonts = text::fonts();
    let texts = svg_texts(&util.svg);
    let labels: Vec<&String> = texts
        .iter()
        .filter(|t| CJK_NAMES.iter().any(|n| t.contains(n)))
        .collect();
    assert_eq!(labels.len(), 8, "every facility labelled: {texts:?}");
    for t in &texts {
        let missing = fonts.missing(t, FontStyle::Normal);
        assert!(missing.is_empty(), "{t:?}: no glyph for {missing:?}");
    }
    // The same labels with DejaVu Sans alone: empty boxes.
    for name in CJK_NAMES {
        assert!(!fonts.missing_in_latin(name).is_empty(), "{name}");
        // Each CJK character comes from the CJK font, Latin ones from DejaVu.
        assert!(
            name.chars()
                .all(|c| ab_glyph::Font::glyph_id(fonts.font_for(c, FontStyle::Normal), c).0 != 0)
        );
    }
    // Titles (bold) too, and GB2312 place-name characters at both levels.
    for s in [
        "市人民医院 bed occupancy",
        "亳州 濮阳 漯河 邗江 婺源 郫都 珲春 儋州 衢州 鄱阳 岢岚 隰县",
    ] {
        assert!(fonts.missing(s, FontStyle::Bold).is_empty(), "{s}");
    }
    // The SVG names CJK-capable fonts after DejaVu Sans.
    assert!(
        util.svg
            .contains("font-family=\"DejaVu Sans, Droid Sans Fallback, Noto Sans CJK SC")
    );
    // The PNG draws the names: the label column has ink.
    let (w, h, px) = decode(&util.png);
    let inked = (0..h)
        .flat_map(|y| (0..w / 4).map(move |x| (x, y)))
        .filter(|&(x, y)| px[((y * w + x) * 3) as usize] < 128)
        .count();
    assert!(inked > 500, "label column ink {inked}");
}

/// Lowest row with strong ink in columns `x0..x1` of an RGB buffer `w` wide.
fn bottom_ink(px: &[u8], w: u32, h: u32, x0: u32, x1: u32) -> Option<u32> {
    (0..h)
        .rev()
        .find(|&y| (x0..x1).any(|x| px[((y * w + x) * 3) as usize] < 140))
}

/// Renders `s` at `size` with `draw` into a white RGB buffer; returns it.
fn render_text(s: &str, size: f64, typeset: bool) -> (u32, u32, Vec<u8>) {
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    register_fonts();
    let (w, h) = (200u32, 60u32);
    let mut rgb = vec![255u8; (w * h * 3) as usize];
    {
        let style = canvas::text(size).pos(Pos::new(HPos::Left, VPos::Top));
        if typeset {
            let root = text::Typeset::raster(BitMapBackend::with_buffer(&mut rgb, (w, h))).into_drawing_area();
            root.draw_text(s, &style, (10, 10)).unwrap();
            root.present().unwrap();
        } else {
            let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
            root.draw_text(s, &style, (10, 10)).unwrap();
            root.present().unwrap();
        }
    }
    (w, h, rgb)
}

/// How far the period's ink ends above the digits' in "89.0%" (0: on the baseline).
fn period_lift(size: f64, typeset: bool) -> i64 {
    let (w, h, px) = render_text("89.0%", size, typeset);
    let pens = text::fonts().layout("89.0%", size, FontStyle::Normal).pens();
    // The middle columns of glyph i (its bowl's bottom, the period's dot).
    let col = |i: usize| {
        let mid = 10.0 + (pens[i] + pens[i + 1]) / 2.0;
        ((mid - 1.0).floor() as u32, (mid + 1.0).ceil() as u32)
    };
    let zero = bottom_ink(&px, w, h, col(3).0, col(3).1).expect("ink of 0");
    let eight = bottom_ink(&px, w, h, col(0).0, col(0).1).expect("ink of 8");
    let period = bottom_ink(&px, w, h, col(2).0, col(2).1).expect("ink of .");
    assert_eq!(zero, eight, "digits share a baseline at {size} px");
    i64::from(zero) - i64::from(period)
}

#[test]
fn the_decimal_point_sits_on_the_baseline() {
    for size in [13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 23.0, 26.0] {
        assert_eq!(period_lift(size, true), 0, "89.0% at {size} px");
    }
    // plotters' own text drew it a pixel up at the bar notes' 15 px ("89·0%").
    assert!(period_lift(15.0, false) > 0, "the old rendering is caught");
}

#[test]
fn intervals_stop_at_the_metric_range_and_charts_say_n() {
    let dir = tempfile::tempdir().unwrap();
    fake_run(dir.path(), 8);
    // Bed occupancy and utilization with t-intervals past 0 and 100% at n = 3.
    edit(dir.path(), "facilities.csv", |l| {
        let f: Vec<&str> = l.split(',').collect();
        if f.len() == 9 && (f[3] == "bed_occupancy" || f[3] == "utilization") && !f[4].is_empty() {
            format!("{},{},{},{},0.6,0.4,-0.54,1.02,3", f[0], f[1], f[2], f[3])
        } else {
            l.to_string()
        }
    });
    set_tier_metric(dir.path(), "first_contact_share", "0.3,0.3,-0.2,1.1,3");
    let charts = run_charts(dir.path()).unwrap();
    for name in ["bed_occupancy", "doctor_utilization", "first_contact_share"] {
        let c = by_name(&charts, name);
        let texts = svg_texts(&c.svg);
        let ticks: Vec<f64> = texts.iter().filter_map(|t| t.replace(',', "").parse().ok()).collect();
        assert!(!ticks.is_empty(), "{name}: tick labels");
        assert!(
            ticks.iter().all(|t| (0.0..=100.0).contains(t)),
            "{name}: ticks past 0..100%: {ticks:?}"
        );
        assert!(
            texts
                .iter()
                .any(|t| t.contains("95% t-intervals over n = 3 replications")),
            "{name}: n in the footnote: {texts:?}"
        );
        // Whiskers (2 px dark lines) end at 0 and 100%, not at -54% and 102%.
        let doc = roxmltree::Document::parse(&c.svg).unwrap();
        let xs: Vec<f64> = doc
            .descendants()
            .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some("#282828"))
            .flat_map(|n| {
                n.attribute("points")
                    .unwrap_or("")
                    .split_whitespace()
                    .filter_map(|p| p.split(',').next()?.parse::<f64>().ok())
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(!xs.is_empty(), "{name}: whiskers drawn");
        let (lo, hi) = xs.iter().fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
        let zero_x = tick_x(&doc, "0").expect("a 0 tick");
        let hundred_x = tick_x(&doc, "100");
        assert!(lo >= zero_x - 1.0, "{name}: a whisker left of 0: {lo} < {zero_x}");
        if let Some(hx) = hundred_x {
            assert!(hi <= hx + 1.0, "{name}: a whisker right of 100%: {hi} > {hx}");
        }
    }
    // The clipping itself.
    let s = tables::Stat {
        mean: 0.6,
        lo: -0.54,
        hi: 1.02,
        n: 3,
    };
    let c = s.scaled(100.0).clipped(units::Unit::Share, 100.0);
    assert_eq!((c.lo, c.hi, c.n), (0.0, 100.0, 3));
    let c = s.clipped(units::Unit::Minutes, 1.0);
    assert_eq!((c.lo, c.hi), (0.0, 1.02));
}

/// The x position of the tick label `label` (None when there is none).
fn tick_x(doc: &roxmltree::Document, label: &str) -> Option<f64> {
    doc.descendants()
        .find(|n| n.has_tag_name("text") && n.text().map(str::trim) == Some(label))
        .and_then(|n| n.attribute("x"))
        .and_then(|x| x.parse().ok())
}

#[test]
fn a_sweep_band_of_a_share_stops_at_zero() {
    let dir = tempfile::tempdir().unwrap();
    fake_sweep(
        dir.path(),
        &["policy.outpatient.rate.township"],
        &points(&[&["0.4"], &["0.6"], &["0.8"]]),
    );
    edit(dir.path(), "points.csv", |l| {
        if l.contains(",bypass_rate,") {
            let f: Vec<&str> = l.split(',').collect();
            format!("{},{},system,system,bypass_rate,0.02,0.05,-0.1,0.14,3", f[0], f[1])
        } else {
            l.to_string()
        }
    });
    let charts = sweep_charts(dir.path()).unwrap();
    let c = by_name(&charts, "bypass_rate");
    let texts = svg_texts(&c.svg);
    let ys: Vec<f64> = texts.iter().filter_map(|t| t.parse().ok()).collect();
    assert!(ys.iter().all(|y| *y >= 0.0), "no tick below 0%: {ys:?}");
    // Readable axis names, with the key itself in the footnote.
    assert!(
        texts
            .iter()
            .any(|t| t == "Township outpatient reimbursement rate (0-1)"),
        "{texts:?}"
    );
    assert!(
        !texts.iter().any(|t| t == "policy.outpatient.rate.township"),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("Swept keys: policy.outpatient.rate.township"))
    );
    assert!(texts.iter().any(|t| t.contains("n = 2 replications")), "{texts:?}");
}

#[test]
fn referrals_that_are_off_draw_no_bars() {
    let dir = tempfile::tempdir().unwrap();
    fake_run(dir.path(), 8);
    // Down-referrals off; the regional tier refers no one up.
    edit(dir.path(), "tiers.csv", |l| {
        let t = l.split(',').next().unwrap();
        if l.contains(",referrals_down_out,") || (t == "regional" && l.contains(",referrals_up_out,")) {
            format!("{t},{},0,0,0,0,2", l.split(',').nth(1).unwrap())
        } else {
            l.to_string()
        }
    });
    let charts = run_charts(dir.path()).unwrap();
    let c = by_name(&charts, "referrals");
    let texts = svg_texts(&c.svg);
    // "0" only as the axis's first tick, never as a bar's note.
    assert_eq!(texts.iter().filter(|t| *t == "0").count(), 1, "a 0 bar note: {texts:?}");
    assert!(!texts.iter().any(|t| t.contains("referred down (light)")), "{texts:?}");
    assert!(!texts.iter().any(|t| t == "regional"), "{texts:?}");
    for t in ["village", "township", "county", "referred up (dark)"] {
        assert!(texts.iter().any(|x| x == t), "{t} missing: {texts:?}");
    }
    assert!(
        texts
            .iter()
            .any(|t| t.contains("no tier referred down") && t.contains("regional sent none")),
        "{texts:?}"
    );
    // Nothing at all: a message, no bars.
    set_tier_metric(dir.path(), "referrals_up_out", "0,0,0,0,2");
    let charts = run_charts(dir.path()).unwrap();
    let texts = svg_texts(&by_name(&charts, "referrals").svg);
    assert!(texts.iter().any(|t| t == "No tier sent a referral"), "{texts:?}");
}

#[test]
fn counts_are_whole_in_bar_notes() {
    assert_eq!(canvas::Unit::Count.show(484.6), "485");
    assert_eq!(canvas::Unit::Count.show(0.0), "0");
    assert_eq!(canvas::Unit::Count.bare(12_345.0), "12,345");
    assert_eq!(canvas::Unit::Percent.show(89.04), "89.0%");
    assert_eq!(canvas::Unit::Cny.show(349.47), "349 CNY");
}
