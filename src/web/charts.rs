//! Pictures drawn on the server (DESIGN §8): horizontal bars, stacked or
//! grouped, and a cumulative step line over time, as inline SVG. Pure: a
//! [`Chart`] in, an SVG string out. Every text in the picture is escaped
//! here, because labels come from users. The page prints the same rows as
//! a table beside the picture, so the two cannot disagree.
//!
//! Amounts stay `Decimal`; only the share of a bar's length is turned into
//! `f64`, for the geometry.

use std::fmt::Write;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Width of the coordinate system; the picture scales to its container
/// (`width: 100%` in `app.css`), down to a 375-pixel phone.
const WIDTH: f64 = 480.0;
/// Space kept right of the longest bar for its figure.
const FIGURE_ROOM: f64 = 128.0;
/// Series colours, in order: each at least 5.7:1 against white, so they
/// pass as text colours as well as for graphics. The second series of a
/// step chart is also dashed, so that colour is not the only difference.
const COLOURS: [&str; 3] = ["#0b5563", "#a64b00", "#6a3d9a"];
const INK: &str = "#1b2a33";
const MUTED: &str = "#4a5a63";
const GRID: &str = "#d0dade";
const FONT: &str = "system-ui, sans-serif";
/// Font sizes: labels, and figures and legends. At 375 pixels the picture
/// is drawn at about three quarters of its units, so these stay readable.
const TEXT: f64 = 15.0;
const SMALL: f64 = 13.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One bar per row, its series laid end to end.
    Stacked,
    /// One bar per series in each row.
    Grouped,
    /// Rows are successive periods; each series a step line.
    Steps,
}

/// One row of figures: a category, an organization, a score bin, a month.
#[derive(Debug, Clone)]
pub struct Row {
    pub label: String,
    /// One value per series.
    pub values: Vec<Decimal>,
}

#[derive(Debug, Clone)]
pub struct Chart {
    /// Unique on the page: the ids of the title and description derive from it.
    pub id: &'static str,
    pub kind: Kind,
    pub title: String,
    /// What the picture shows, for people who cannot see it.
    pub desc: String,
    /// Heading of the rows' column in the table.
    pub row_heading: String,
    pub series: Vec<String>,
    pub rows: Vec<Row>,
    /// Heading of the total column in the table (stacked bars only).
    pub total_heading: String,
    /// Said in the picture when there is nothing to draw.
    pub empty: String,
    /// How a figure reads, in the picture and in the table.
    pub format: fn(Decimal) -> String,
}

impl Chart {
    /// The table's column headings after the rows' own.
    pub fn headings(&self) -> Vec<String> {
        let mut out = self.series.clone();
        if self.kind == Kind::Stacked && self.series.len() > 1 {
            out.push(self.total_heading.clone());
        }
        out
    }

    /// A row's figures as the table shows them, in the order of `headings`.
    pub fn cells(&self, row: &Row) -> Vec<String> {
        let mut out: Vec<String> = (0..self.series.len())
            .map(|i| (self.format)(value(row, i)))
            .collect();
        if self.kind == Kind::Stacked && self.series.len() > 1 {
            out.push((self.format)(self.total(row)));
        }
        out
    }

    fn total(&self, row: &Row) -> Decimal {
        (0..self.series.len()).map(|i| value(row, i)).sum()
    }

    /// The picture: `<svg role="img">` named by its title and description.
    pub fn svg(&self) -> String {
        let (height, body) = if self.rows.is_empty() || self.series.is_empty() {
            (48.0, self.empty_body())
        } else {
            match self.kind {
                Kind::Stacked | Kind::Grouped => self.bars(),
                Kind::Steps => self.steps(),
            }
        };
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg role="img" aria-labelledby="{id}-title" aria-describedby="{id}-desc" xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="xMinYMin meet" font-family="{FONT}" font-size="15" fill="{INK}"><title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>"#,
            id = escape(self.id),
            w = num(WIDTH),
            h = num(height),
            title = escape(&self.title),
            desc = escape(&self.desc),
        );
        s.push_str(&body);
        s.push_str("</svg>");
        s
    }

    fn empty_body(&self) -> String {
        format!(
            r#"<text x="{}" y="28" text-anchor="middle" fill="{MUTED}">{}</text>"#,
            num(WIDTH / 2.0),
            escape(&self.empty)
        )
    }

    /// The legend across the top; its height.
    fn legend(&self, out: &mut String) -> f64 {
        if self.series.len() < 2 {
            return 0.0;
        }
        let mut x = 0.0;
        let mut y = 4.0;
        for (i, name) in self.series.iter().enumerate() {
            let name = fit(name, 220.0, SMALL);
            let width = 20.0 + text_width(&name, SMALL) + 18.0;
            if x > 0.0 && x + width > WIDTH {
                x = 0.0;
                y += 22.0;
            }
            if self.kind == Kind::Steps {
                let _ = write!(
                    out,
                    r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"{}/>"#,
                    num(x),
                    num(y + 7.0),
                    num(x + 14.0),
                    num(y + 7.0),
                    colour(i),
                    dash(i)
                );
            } else {
                let _ = write!(
                    out,
                    r#"<rect x="{}" y="{}" width="12" height="12" fill="{}"/>"#,
                    num(x),
                    num(y + 1.0),
                    colour(i)
                );
            }
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" font-size="{}">{}</text>"#,
                num(x + 20.0),
                num(y + 12.0),
                num(SMALL),
                escape(&name)
            );
            x += width;
        }
        y + 28.0
    }

    fn bars(&self) -> (f64, String) {
        let mut out = String::new();
        let top = self.legend(&mut out);
        let n = self.series.len();
        let stacked = self.kind == Kind::Stacked;
        let largest = self
            .rows
            .iter()
            .map(|r| {
                if stacked {
                    (0..n).map(|i| value(r, i).max(Decimal::ZERO)).sum()
                } else {
                    (0..n).map(|i| value(r, i)).max().unwrap_or_default()
                }
            })
            .max()
            .unwrap_or_default();
        // Short labels (score bins) sit left of their bars; longer ones
        // (names) get a line of their own above them.
        let widest = self
            .rows
            .iter()
            .map(|r| text_width(&r.label, TEXT))
            .fold(0.0, f64::max);
        let beside = widest <= 72.0;
        let (start, label_height) = if beside {
            (widest + 10.0, 0.0)
        } else {
            (0.0, 20.0)
        };
        let room = WIDTH - FIGURE_ROOM - start;
        let bar = if stacked { 20.0 } else { 14.0 };
        let bars_height = if stacked {
            bar
        } else {
            n as f64 * bar + (n as f64 - 1.0) * 2.0
        };
        let row_height = label_height + bars_height + if beside { 10.0 } else { 14.0 };
        for (r, row) in self.rows.iter().enumerate() {
            let y0 = top + r as f64 * row_height;
            let label_y = if beside {
                y0 + bars_height / 2.0 + 5.0
            } else {
                y0 + 15.0
            };
            let _ = write!(
                out,
                r#"<text x="0" y="{}">{}</text>"#,
                num(label_y),
                escape(&fit(&row.label, WIDTH - 8.0, TEXT))
            );
            let y = y0 + label_height;
            if stacked {
                let mut x = start;
                for i in 0..n {
                    let w = share(value(row, i), largest) * room;
                    if w > 0.0 {
                        let _ = write!(
                            out,
                            r##"<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#ffffff" stroke-width="1"/>"##,
                            num(x),
                            num(y),
                            num(w),
                            num(bar),
                            colour(i)
                        );
                    }
                    x += w;
                }
                figure(&mut out, x, y, bar, &(self.format)(self.total(row)));
            } else {
                for i in 0..n {
                    let yi = y + i as f64 * (bar + 2.0);
                    let w = share(value(row, i), largest) * room;
                    if w > 0.0 {
                        let _ = write!(
                            out,
                            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
                            num(start),
                            num(yi),
                            num(w),
                            num(bar),
                            colour(i)
                        );
                    }
                    figure(&mut out, start + w, yi, bar, &(self.format)(value(row, i)));
                }
            }
        }
        (top + self.rows.len() as f64 * row_height, out)
    }

    fn steps(&self) -> (f64, String) {
        let mut out = String::new();
        let top = self.legend(&mut out) + 8.0;
        let (left, right, plot_height, bottom) = (100.0, 8.0, 180.0, 30.0);
        let plot_width = WIDTH - left - right;
        let n = self.series.len();
        let values = || {
            self.rows
                .iter()
                .flat_map(move |r| (0..n).map(move |i| value(r, i)))
        };
        let high = values().max().unwrap_or_default().max(Decimal::ZERO);
        let low = values().min().unwrap_or_default().min(Decimal::ZERO);
        let span = high - low;
        let y_of = |v: Decimal| top + plot_height - share(v - low, span) * plot_height;
        // Three gridlines: the bottom, the middle and the top of the range.
        let mut ticks = vec![low];
        if span > Decimal::ZERO {
            ticks.push(low + span / Decimal::TWO);
            ticks.push(high);
        }
        for t in ticks {
            let y = y_of(t);
            let _ = write!(
                out,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{GRID}" stroke-width="1"/><text x="{}" y="{}" text-anchor="end" font-size="{}" fill="{MUTED}">{}</text>"#,
                num(left),
                num(y),
                num(WIDTH - right),
                num(y),
                num(left - 6.0),
                num(y + 4.0),
                num(SMALL),
                escape(&(self.format)(t))
            );
        }
        let band = plot_width / self.rows.len() as f64;
        // At most five month labels, evenly spaced.
        let every = self.rows.len().div_ceil(5).max(1);
        for (i, row) in self.rows.iter().enumerate().step_by(every) {
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" text-anchor="middle" font-size="{}" fill="{MUTED}">{}</text>"#,
                num(left + (i as f64 + 0.5) * band),
                num(top + plot_height + 20.0),
                num(SMALL),
                escape(&fit(&row.label, band * every as f64 - 4.0, SMALL))
            );
        }
        for i in 0..n {
            let mut d = String::new();
            for (k, row) in self.rows.iter().enumerate() {
                let y = y_of(value(row, i));
                let x0 = left + k as f64 * band;
                if k == 0 {
                    let _ = write!(d, "M{} {}", num(x0), num(y));
                } else {
                    let _ = write!(d, " V{}", num(y));
                }
                let _ = write!(d, " H{}", num(x0 + band));
            }
            let _ = write!(
                out,
                r#"<path d="{d}" fill="none" stroke="{}" stroke-width="2.5"{}/>"#,
                colour(i),
                dash(i)
            );
        }
        (top + plot_height + bottom, out)
    }
}

/// Counts of scores (0–100) in `bins` equal bins; 100 falls in the last.
/// Scores that are not numbers are left out.
pub fn histogram(scores: impl IntoIterator<Item = f64>, bins: usize) -> Vec<u32> {
    let mut counts = vec![0; bins];
    if bins == 0 {
        return counts;
    }
    for s in scores.into_iter().filter(|s| s.is_finite()) {
        let bin = ((s.clamp(0.0, 100.0) / 100.0) * bins as f64).floor() as usize;
        counts[bin.min(bins - 1)] += 1;
    }
    counts
}

/// `0–10`, `10–20`, … `90–100` for `bins` equal bins over 0–100.
pub fn bin_labels(bins: usize) -> Vec<String> {
    let width = 100 / bins.max(1);
    (0..bins)
        .map(|i| {
            let high = if i + 1 == bins { 100 } else { (i + 1) * width };
            format!("{}–{}", i * width, high)
        })
        .collect()
}

fn value(row: &Row, series: usize) -> Decimal {
    row.values.get(series).copied().unwrap_or_default()
}

/// `part / whole` between 0 and 1; 0 when the whole is not positive.
fn share(part: Decimal, whole: Decimal) -> f64 {
    if whole <= Decimal::ZERO {
        return 0.0;
    }
    (part.max(Decimal::ZERO) / whole)
        .to_f64()
        .filter(|f| f.is_finite())
        .unwrap_or(0.0)
        .clamp(0.0, 1.0)
}

/// A figure just right of the end of a bar.
fn figure(out: &mut String, x: f64, y: f64, bar: f64, text: &str) {
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" font-size="{}">{}</text>"#,
        num(x + 6.0),
        num(y + bar / 2.0 + 4.5),
        num(SMALL),
        escape(text)
    );
}

fn colour(series: usize) -> &'static str {
    COLOURS[series % COLOURS.len()]
}

fn dash(series: usize) -> &'static str {
    if series % 2 == 1 {
        r#" stroke-dasharray="6 3""#
    } else {
        ""
    }
}

/// A coordinate with one decimal; never `NaN` or `inf` in the output.
fn num(x: f64) -> String {
    // Also no `-0`.
    let x = if x.is_finite() && x != 0.0 { x } else { 0.0 };
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// Text for XML: markup characters escaped, characters XML cannot hold dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Roughly how wide a text is drawn: wide (CJK) characters a full em,
/// others a little over half.
fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| if is_wide(c) { size } else { size * 0.58 })
        .sum()
}

/// Hangul, CJK and full-width forms: drawn a full em wide.
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// The text cut with `…` to fit `room` at `size`; the table has it whole.
fn fit(text: &str, room: f64, size: f64) -> String {
    let room = room.max(0.0);
    if text_width(text, size) <= room {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if text_width(&out, size) + size > room {
            out.pop();
            break;
        }
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn chart(kind: Kind, rows: Vec<Row>) -> Chart {
        Chart {
            id: "chart-test",
            kind,
            title: "Budget".into(),
            desc: "Bars".into(),
            row_heading: "Category".into(),
            series: vec!["Grant".into(), "Matching".into()],
            rows,
            total_heading: "Total".into(),
            empty: "Nothing yet".into(),
            format: crate::domain::money::format_amount,
        }
    }

    fn row(label: &str, values: &[&str]) -> Row {
        Row {
            label: label.into(),
            values: values.iter().map(|v| d(v)).collect(),
        }
    }

    /// Every `attr="…"` value of the SVG that should be a number.
    fn numbers(svg: &str, attr: &str) -> Vec<f64> {
        svg.split(&format!(" {attr}=\""))
            .skip(1)
            .filter_map(|s| s.split('"').next().unwrap().parse::<f64>().ok())
            .collect()
    }

    fn no_bad_numbers(svg: &str) {
        for bad in ["NaN", "inf", "-0\""] {
            assert!(!svg.contains(bad), "{bad} in {svg}");
        }
    }

    #[test]
    fn is_an_image_named_by_its_title_and_description() {
        let svg = chart(Kind::Stacked, vec![row("Personnel", &["100", "50"])]).svg();
        assert!(svg.starts_with(r#"<svg role="img" "#), "{svg}");
        assert!(
            svg.contains(
                r#"aria-labelledby="chart-test-title" aria-describedby="chart-test-desc""#
            )
        );
        assert!(svg.contains(r#"<title id="chart-test-title">Budget</title>"#));
        assert!(svg.contains(r#"<desc id="chart-test-desc">Bars</desc>"#));
        assert!(svg.contains(r#"viewBox="0 0 480 "#));
        assert!(svg.contains(r#"width="100%""#));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn labels_from_users_are_escaped() {
        let mut c = chart(
            Kind::Grouped,
            vec![row("<script>alert(1)</script> & \"co\"", &["1", "2"])],
        );
        c.title = "<b>title</b>".into();
        c.series[0] = "<i>grant</i>".into();
        c.desc = "a\u{0}b".into();
        for kind in [Kind::Stacked, Kind::Grouped, Kind::Steps] {
            c.kind = kind;
            let svg = c.svg();
            assert!(!svg.contains("<script"), "{svg}");
            assert!(!svg.contains("<b>") && !svg.contains("<i>"), "{svg}");
            assert!(svg.contains("&lt;i&gt;grant&lt;/i&gt;"), "{svg}");
            assert!(svg.contains("<desc id=\"chart-test-desc\">ab</desc>"));
        }
        c.kind = Kind::Grouped;
        assert!(
            c.svg()
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot;")
        );
        assert_eq!(escape("'"), "&#39;");
    }

    #[test]
    fn bars_scale_to_the_largest_row() {
        let c = chart(
            Kind::Stacked,
            vec![
                row("Personnel of the project", &["300", "100"]),
                row("Activities of the project", &["100", "100"]),
            ],
        );
        let svg = c.svg();
        let widths = numbers(&svg, "width");
        // Without the legend's 12-unit swatches.
        let bars: Vec<f64> = widths.into_iter().filter(|w| *w != 12.0).collect();
        // A: 300 and 100 of 400 over 352 units; B: 100 and 100.
        assert_eq!(bars, [264.0, 88.0, 88.0, 88.0], "{svg}");
        assert!(svg.contains(">400.00<") && svg.contains(">200.00<"));
        no_bad_numbers(&svg);

        let g = chart(
            Kind::Grouped,
            vec![row("Guangzhou Lead Foundation", &["50", "200"])],
        )
        .svg();
        let bars: Vec<f64> = numbers(&g, "width")
            .into_iter()
            .filter(|w| *w != 12.0)
            .collect();
        assert_eq!(bars, [88.0, 352.0], "{g}");

        // Short labels sit beside their bars, which start after the widest.
        let h = chart(Kind::Grouped, vec![row("0–10", &["1", "2"])]).svg();
        assert!(h.contains(r#"<rect x="44.8" "#), "{h}");
    }

    #[test]
    fn empty_data_and_zero_maxima_draw_without_nan() {
        for kind in [Kind::Stacked, Kind::Grouped, Kind::Steps] {
            let empty = chart(kind, Vec::new()).svg();
            assert!(empty.contains("Nothing yet"), "{empty}");
            assert!(empty.contains(r#"role="img""#));
            no_bad_numbers(&empty);
            let zeros = chart(kind, vec![row("A", &["0", "0"]), row("B", &["0"])]).svg();
            no_bad_numbers(&zeros);
            let legend = if kind == Kind::Steps { 0 } else { 2 };
            assert_eq!(zeros.matches("<rect").count(), legend, "{zeros}");
            let one = chart(kind, vec![row("2026-01", &["5", "-3"])]).svg();
            no_bad_numbers(&one);
        }
        let mut no_series = chart(Kind::Grouped, vec![row("A", &[])]);
        no_series.series.clear();
        assert!(no_series.svg().contains("Nothing yet"));
    }

    #[test]
    fn steps_climb_with_the_running_totals() {
        let c = chart(
            Kind::Steps,
            vec![
                row("2026-01", &["100", "0"]),
                row("2026-02", &["100", "40"]),
                row("2026-03", &["200", "100"]),
            ],
        );
        let svg = c.svg();
        no_bad_numbers(&svg);
        assert_eq!(svg.matches("<path ").count(), 2);
        assert!(svg.contains("stroke-dasharray"), "second series dashed");
        // The first line starts at half height and ends at the top.
        let first = svg.split("<path d=\"").nth(1).unwrap();
        let d = first.split('"').next().unwrap();
        assert!(d.starts_with("M100 "), "{d}");
        assert!(d.contains(" H472"), "{d}");
        for month in ["2026-01", "2026-02", "2026-03"] {
            assert!(svg.contains(month));
        }
        assert!(svg.contains(">200.00<") && svg.contains(">0.00<"));
    }

    #[test]
    fn the_table_has_the_figures() {
        let c = chart(Kind::Stacked, vec![row("Personnel", &["1234.5", "100"])]);
        assert_eq!(c.headings(), ["Grant", "Matching", "Total"]);
        assert_eq!(c.cells(&c.rows[0]), ["1,234.50", "100.00", "1,334.50"]);
        let g = chart(Kind::Grouped, vec![row("#1", &["32000"])]);
        assert_eq!(g.headings(), ["Grant", "Matching"]);
        assert_eq!(
            g.cells(&g.rows[0]),
            ["32,000.00", "0.00"],
            "missing is zero"
        );
    }

    #[test]
    fn long_labels_are_cut_in_the_picture_only() {
        let long = "灣".repeat(80);
        let c = chart(Kind::Stacked, vec![row(&long, &["1", "1"])]);
        let svg = c.svg();
        assert!(svg.contains('…') && !svg.contains(&long));
        assert_eq!(c.rows[0].label, long);
    }

    #[test]
    fn scores_fall_in_bins() {
        let h = histogram([0.0, 9.99, 10.0, 55.0, 100.0, 120.0, -3.0, f64::NAN], 10);
        assert_eq!(h, [3, 1, 0, 0, 0, 1, 0, 0, 0, 2]);
        assert_eq!(histogram([50.0], 0), Vec::<u32>::new());
        let labels = bin_labels(10);
        assert_eq!(labels.first().unwrap(), "0–10");
        assert_eq!(labels.last().unwrap(), "90–100");
        assert_eq!(labels.len(), 10);
    }
}
