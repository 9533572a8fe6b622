//! The chart of `make bench-scale`, written as SVG by hand: two panels side
//! by side, each a line per server against the number of idle connections.

use std::fmt::Write;

/// One server's line.
pub struct Series {
    pub name: String,
    pub color: &'static str,
    pub points: Vec<(f64, f64)>,
    /// The range of the measurements behind a point, drawn as a bar: x, low, high.
    pub ranges: Vec<(f64, f64, f64)>,
    /// Where the server stopped taking connections, and why, in a few words.
    pub end: Option<(f64, String)>,
}

/// One panel: a title, the y axis's label, the lines.
pub struct Panel {
    pub title: String,
    pub y_label: String,
    pub series: Vec<Series>,
}

const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 470.0;
const PANEL_WIDTH: f64 = 500.0;
/// Margins of a panel's plot area: left, right, top, bottom.
const MARGIN: (f64, f64, f64, f64) = (70.0, 20.0, 60.0, 95.0);

/// The whole chart: `title` above the two panels, the x axis the idle connections.
pub fn chart(title: &str, note: &str, panels: &[Panel; 2]) -> String {
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, "<title>{}</title>", escape(title));
    let _ = writeln!(
        svg,
        r##"<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="15" font-weight="bold">{}</text>"#,
        WIDTH / 2.0,
        escape(title)
    );
    let _ = writeln!(
        svg,
        r##"<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="#555555">{}</text>"##,
        WIDTH / 2.0,
        HEIGHT - 8.0,
        escape(note)
    );
    let x_max = panels
        .iter()
        .flat_map(|p| &p.series)
        .flat_map(|s| {
            s.points
                .iter()
                .map(|p| p.0)
                .chain(s.end.iter().map(|e| e.0))
        })
        .fold(0.0, f64::max);
    for (i, panel) in panels.iter().enumerate() {
        draw_panel(&mut svg, panel, i as f64 * PANEL_WIDTH, x_max);
    }
    svg.push_str("</svg>\n");
    svg
}

fn draw_panel(svg: &mut String, panel: &Panel, left: f64, x_max: f64) {
    let (ml, mr, mt, mb) = MARGIN;
    let (x0, x1) = (left + ml, left + PANEL_WIDTH - mr);
    let (y0, y1) = (HEIGHT - mb, mt);
    let y_max = panel
        .series
        .iter()
        .flat_map(|s| {
            let highs = s.ranges.iter().map(|r| r.2);
            s.points.iter().map(|p| p.1).chain(highs)
        })
        .fold(0.0, f64::max);
    let (x_step, x_top) = ticks(x_max);
    let (y_step, y_top) = ticks(y_max);
    let x = |v: f64| x0 + (x1 - x0) * v / x_top;
    let y = |v: f64| y0 - (y0 - y1) * v / y_top;
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle" font-size="13" font-weight="bold">{}</text>"#,
        (x0 + x1) / 2.0,
        mt - 22.0,
        escape(&panel.title)
    );
    // Grid and tick labels.
    for k in 0..=(y_top / y_step).round() as usize {
        let v = k as f64 * y_step;
        let _ = writeln!(
            svg,
            r##"<line x1="{x0}" y1="{py:.1}" x2="{x1}" y2="{py:.1}" stroke="#dddddd"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            x0 - 6.0,
            y(v) + 4.0,
            label(v),
            py = y(v)
        );
    }
    for k in 0..=(x_top / x_step).round() as usize {
        let v = k as f64 * x_step;
        let _ = writeln!(
            svg,
            r##"<line x1="{px:.1}" y1="{y0}" x2="{px:.1}" y2="{}" stroke="#cccccc"/><text x="{px:.1}" y="{}" text-anchor="middle">{}</text>"##,
            y0 + 5.0,
            y0 + 18.0,
            label(v),
            px = x(v)
        );
    }
    let _ = writeln!(
        svg,
        r##"<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#333333"/><line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#333333"/>"##
    );
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle">idle connections</text>"#,
        (x0 + x1) / 2.0,
        y0 + 36.0
    );
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle" transform="rotate(-90 {} {})">{}</text>"#,
        left + 16.0,
        (y0 + y1) / 2.0,
        left + 16.0,
        (y0 + y1) / 2.0,
        escape(&panel.y_label)
    );
    // The lines, a legend entry under the axis for each, and where each ended.
    for (i, series) in panel.series.iter().enumerate() {
        let points: Vec<String> = series
            .points
            .iter()
            .map(|&(px, py)| format!("{:.1},{:.1}", x(px), y(py)))
            .collect();
        let _ = writeln!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
            points.join(" "),
            series.color
        );
        for &(px, low, high) in &series.ranges {
            let (bx, lo, hi) = (x(px), y(low), y(high));
            let _ = writeln!(
                svg,
                r#"<path d="M{bx:.1},{lo:.1} V{hi:.1} M{:.1},{lo:.1} h6 M{:.1},{hi:.1} h6" stroke="{}" stroke-width="1" opacity="0.7"/>"#,
                bx - 3.0,
                bx - 3.0,
                series.color
            );
        }
        for &(px, py) in &series.points {
            let _ = writeln!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{}"/>"#,
                x(px),
                y(py),
                series.color
            );
        }
        if let (Some((at, why)), Some(&(_, last))) = (&series.end, series.points.last()) {
            let (ex, ey) = (x(*at), y(last));
            let _ = writeln!(
                svg,
                r#"<path d="M{:.1},{:.1} l8,8 m0,-8 l-8,8" stroke="{}" stroke-width="2.5"/>"#,
                ex - 4.0,
                ey - 4.0,
                series.color
            );
            // Above the mark, or below it near the top; inside the plot either way.
            let ty = if ey - 10.0 > y1 + 12.0 {
                ey - 10.0
            } else {
                ey + 20.0
            };
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="{}" font-size="12">{}</text>"#,
                ex + 4.0,
                ty.min(y0 - 4.0),
                series.color,
                escape(why)
            );
        }
        let ly = y0 + 56.0 + 15.0 * (i / 2) as f64;
        let lx = x0 + 190.0 * (i % 2) as f64;
        let _ = writeln!(
            svg,
            r#"<line x1="{lx}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"/><text x="{}" y="{ly}">{}</text>"#,
            ly - 4.0,
            lx + 20.0,
            ly - 4.0,
            series.color,
            lx + 26.0,
            escape(&series.name)
        );
    }
}

/// A tick step of 1, 2 or 5 times a power of ten that gives at most 6
/// ticks up to `max`, and the axis's top: `max` rounded up to a step.
fn ticks(max: f64) -> (f64, f64) {
    let max = if max > 0.0 { max } else { 1.0 };
    let magnitude = 10f64.powf((max / 5.0).log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|step| max / step <= 6.0)
        .unwrap_or(10.0 * magnitude);
    (step, (max / step).ceil() * step)
}

fn label(v: f64) -> String {
    let round = |v: f64| (v * 1e6).round() / 1e6;
    if v >= 1000.0 {
        format!("{}k", round(v / 1000.0))
    } else {
        format!("{}", round(v))
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
