//! An offline world map with markers, links and clusters (msticpy's folium `plot_map`, drawn
//! without tiles or network).
//!
//! The countries come from the Natural Earth 1:110m outlines in the `world-atlas` npm package
//! (vendored under `data/`, decoded by [`topo`]); [`project`] lays them flat; [`cluster`]
//! merges dense markers into counted circles.

mod cluster;
mod project;
mod topo;

use std::collections::HashMap;
use std::sync::OnceLock;

use polars::prelude::DataFrame;

use self::cluster::{Placed, cluster};
use self::project::Fitted;
pub use self::project::{Projection, UnknownProjection};
use self::topo::Shape;
use crate::error::VizError;
use crate::frame::{Interner, TextColumn, first_present, floats};
use crate::palette::{Palette, draw_legend};
use crate::svg::{Anchor, Circle, Path, Rect, Svg, Text, number};
use crate::text::{count, truncate};
use crate::view::{View, ViewKind};

const VIEW: &str = "map";
const WORLD: &str = include_str!("../../data/countries-110m.json");
const LAT_CANDIDATES: [&str; 5] = ["Latitude", "latitude", "lat", "Lat", "SourceLatitude"];
const LON_CANDIDATES: [&str; 7] = [
    "Longitude",
    "longitude",
    "lon",
    "lng",
    "Long",
    "Lon",
    "SourceLongitude",
];
const LEGEND_SPACE: f64 = 180.0;
const MAX_LINKS: usize = 2000;

/// The countries, decoded once.
fn world() -> Result<&'static [Shape], VizError> {
    static WORLD_SHAPES: OnceLock<Result<Vec<Shape>, String>> = OnceLock::new();
    let shapes =
        WORLD_SHAPES.get_or_init(|| topo::decode(WORLD, "countries").map_err(|e| e.to_string()));
    shapes.as_deref().map_err(|problem| VizError::MapData {
        part: "countries-110m.json",
        problem: problem.clone(),
    })
}

/// Points on a world map.
///
/// Required: latitude and longitude columns (found automatically when named `Latitude` /
/// `Longitude`, `latitude` / `longitude` or `lat` / `lon`, as geolocated `IpAddress` frames
/// are). Optional: a colour column, tooltip columns, destination columns for source →
/// destination links, the projection and the clustering cell size.
pub struct WorldMap<'a> {
    frame: &'a DataFrame,
    lat_column: Option<String>,
    lon_column: Option<String>,
    dest: Option<(String, String)>,
    color_by: Option<String>,
    tooltip_columns: Vec<String>,
    projection: Projection,
    cluster_px: f64,
    min_cluster: usize,
    title: String,
    width: u32,
}

impl<'a> WorldMap<'a> {
    /// A map of the points in `frame`.
    pub fn new(frame: &'a DataFrame) -> Self {
        WorldMap {
            frame,
            lat_column: None,
            lon_column: None,
            dest: None,
            color_by: None,
            tooltip_columns: Vec::new(),
            projection: Projection::NaturalEarth,
            cluster_px: 14.0,
            min_cluster: 4,
            title: "Locations".to_owned(),
            width: 980,
        }
    }

    /// The latitude column (degrees).
    pub fn lat_column(mut self, name: &str) -> Self {
        self.lat_column = Some(name.to_owned());
        self
    }

    /// The longitude column (degrees).
    pub fn lon_column(mut self, name: &str) -> Self {
        self.lon_column = Some(name.to_owned());
        self
    }

    /// Draws a link from each row's point to the point in these destination columns.
    pub fn connect(mut self, dest_lat_column: &str, dest_lon_column: &str) -> Self {
        self.dest = Some((dest_lat_column.to_owned(), dest_lon_column.to_owned()));
        self
    }

    /// Colours markers by this column and adds a legend.
    pub fn color_by(mut self, name: &str) -> Self {
        self.color_by = Some(name.to_owned());
        self
    }

    /// Columns shown in a marker's tooltip.
    pub fn tooltip_columns<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.tooltip_columns = names.iter().map(|n| n.as_ref().to_owned()).collect();
        self
    }

    /// The projection (default Natural Earth).
    pub fn projection(mut self, projection: Projection) -> Self {
        self.projection = projection;
        self
    }

    /// Markers closer than `cell_px` pixels are merged into a counted cluster once there are
    /// `min_points` of them (defaults 14 px and 4).
    pub fn clustering(mut self, cell_px: f64, min_points: usize) -> Self {
        self.cluster_px = cell_px.max(1.0);
        self.min_cluster = min_points.max(2);
        self
    }

    /// The chart title.
    pub fn title(mut self, title: &str) -> Self {
        self.title = title.to_owned();
        self
    }

    /// The width in pixels; the height follows from the projection.
    pub fn width(mut self, width: u32) -> Self {
        self.width = width.max(400);
        self
    }

    /// Draws the map.
    pub fn build(self) -> Result<View, VizError> {
        let lat_name = self.coordinate(&self.lat_column, &LAT_CANDIDATES, "lat_column")?;
        let lon_name = self.coordinate(&self.lon_column, &LON_CANDIDATES, "lon_column")?;
        let lats = floats(self.frame, VIEW, &lat_name)?;
        let lons = floats(self.frame, VIEW, &lon_name)?;
        let colour_values = match &self.color_by {
            Some(name) => Some(TextColumn::read(self.frame, VIEW, name)?),
            None => None,
        };
        let mut categories = Interner::default();
        let tooltips: Vec<(String, TextColumn)> = self
            .tooltip_columns
            .iter()
            .map(|n| Ok((n.clone(), TextColumn::read(self.frame, VIEW, n)?)))
            .collect::<Result<_, VizError>>()?;

        let width = f64::from(self.width);
        let map_w = width - LEGEND_SPACE;
        let fitted = Fitted::new(self.projection, 8.0, 44.0, map_w - 16.0, map_w);
        let height = 44.0 + fitted.world_height() + 40.0;
        let fitted = Fitted::new(
            self.projection,
            8.0,
            44.0,
            map_w - 16.0,
            fitted.world_height(),
        );

        let mut points = Vec::new();
        let mut skipped = 0;
        for row in 0..self.frame.height() {
            match valid(lats[row], lons[row]) {
                Some((lat, lon)) => {
                    let (x, y) = fitted.point(lon, lat);
                    let value = colour_values
                        .as_ref()
                        .map_or(Some("location"), |c| c.get(row));
                    let category = categories.intern(value);
                    points.push(Placed {
                        x,
                        y,
                        row,
                        category,
                    });
                }
                None => skipped += 1,
            }
        }
        let palette = Palette::new(&categories.values, &categories.counts);
        let mut svg = Svg::new(self.width, height as u32);
        svg.title(&self.title);
        svg.add(
            Text::new(width / 2.0, 22.0, &truncate(&self.title, 90))
                .size(15.0)
                .anchor(Anchor::Middle),
        );
        let mut note = format!("{} located rows", count(points.len()));
        if skipped > 0 {
            note.push_str(&format!(
                "; {} without a valid latitude/longitude left out",
                count(skipped)
            ));
        }
        svg.add(Text::new(8.0, 36.0, &note).size(10.0).fill("#666666"));
        draw_world(&mut svg, &fitted)?;

        let marks = Marks {
            palette: &palette,
            categories: &categories,
            tooltips: &tooltips,
            lats: &lats,
            lons: &lons,
            colour_column: self.color_by.as_deref(),
        };
        if let Some((dlat, dlon)) = &self.dest {
            let dest_lats = floats(self.frame, VIEW, dlat)?;
            let dest_lons = floats(self.frame, VIEW, dlon)?;
            marks.draw_links(&mut svg, &fitted, &points, &dest_lats, &dest_lons);
        }
        let grouped = cluster(&points, self.cluster_px, self.min_cluster, 3000);
        marks.draw_clusters(&mut svg, &grouped.clusters);
        marks.draw_singles(&mut svg, &grouped.singles);
        let heading = self.color_by.as_deref().unwrap_or("markers");
        let below = draw_legend(&mut svg, map_w + 10.0, 60.0, heading, &palette);
        svg.add(
            Text::new(map_w + 10.0, below + 18.0, "circle with number:")
                .size(9.0)
                .fill("#666666"),
        );
        svg.add(
            Text::new(map_w + 10.0, below + 30.0, "a cluster of nearby points")
                .size(9.0)
                .fill("#666666"),
        );
        svg.add(
            Text::new(
                8.0,
                height - 10.0,
                "Country outlines: Natural Earth (public domain), via world-atlas",
            )
            .size(9.0)
            .fill("#888888"),
        );
        Ok(View::new(
            ViewKind::Map,
            svg,
            serde_json::json!({"zoom": "xy"}),
        ))
    }

    fn coordinate(
        &self,
        chosen: &Option<String>,
        candidates: &[&str],
        option: &'static str,
    ) -> Result<String, VizError> {
        chosen
            .clone()
            .or_else(|| first_present(self.frame, candidates))
            .ok_or(VizError::MissingOption {
                view: VIEW,
                option,
                hint: "no Latitude/Longitude-like column found; name the columns to use",
            })
    }
}

fn valid(lat: Option<f64>, lon: Option<f64>) -> Option<(f64, f64)> {
    let (lat, lon) = (lat?, lon?);
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

/// Draws the sea, the graticule outline and one path per country.
fn draw_world(svg: &mut Svg, fitted: &Fitted) -> Result<(), VizError> {
    let mut outline = String::new();
    for (i, lat) in (-90..=90).step_by(5).enumerate() {
        let (x, y) = fitted.point(-180.0, f64::from(lat));
        outline.push_str(&format!(
            "{}{} {}",
            if i == 0 { 'M' } else { 'L' },
            number(x),
            number(y)
        ));
    }
    for lat in (-90..=90).rev().step_by(5) {
        let (x, y) = fitted.point(180.0, f64::from(lat));
        outline.push_str(&format!("L{} {}", number(x), number(y)));
    }
    outline.push('Z');
    svg.add(Path::new(outline).fill("#eaf2f8").stroke("#b8c8d8"));
    for shape in world()? {
        let d = shape_path(shape, fitted);
        if !d.is_empty() {
            svg.add(
                Path::new(d)
                    .fill("#dcdcd4")
                    .stroke("#ffffff")
                    .stroke_width(0.5)
                    .tooltip(&shape.name),
            );
        }
    }
    Ok(())
}

/// SVG path data for a shape, dropping points closer than a third of a pixel and breaking the
/// line where it jumps across the antimeridian.
fn shape_path(shape: &Shape, fitted: &Fitted) -> String {
    let mut d = String::new();
    for ring in shape.polygons.iter().flatten() {
        let mut last: Option<(f64, f64, f64)> = None;
        for &(lon, lat) in ring {
            let (x, y) = fitted.point(lon, lat);
            let command = match last {
                Some((_, _, last_lon)) if (lon - last_lon).abs() > 180.0 => 'M',
                Some((lx, ly, _)) if (x - lx).abs() + (y - ly).abs() < 0.33 => continue,
                Some(_) => 'L',
                None => 'M',
            };
            d.push(command);
            d.push_str(&format!("{} {}", number_1(x), number_1(y)));
            last = Some((x, y, lon));
        }
        if last.is_some() {
            d.push('Z');
        }
    }
    d
}

/// A coordinate with one decimal: a tenth of a pixel is finer than any screen.
fn number_1(value: f64) -> String {
    number((value * 10.0).round() / 10.0)
}

/// What drawing markers needs.
struct Marks<'m> {
    palette: &'m Palette,
    categories: &'m Interner,
    tooltips: &'m [(String, TextColumn)],
    lats: &'m [Option<f64>],
    lons: &'m [Option<f64>],
    colour_column: Option<&'m str>,
}

impl Marks<'_> {
    fn tooltip(&self, point: &Placed) -> String {
        let row = point.row;
        let mut tip = format!(
            "{:.4}, {:.4}",
            self.lats[row].unwrap_or(0.0),
            self.lons[row].unwrap_or(0.0)
        );
        if let Some(name) = self.colour_column {
            tip.push_str(&format!(
                "\n{name}: {}",
                self.categories.value(point.category)
            ));
        }
        for (name, column) in self.tooltips {
            tip.push_str(&format!(
                "\n{name}: {}",
                truncate(column.get(row).unwrap_or(""), 300)
            ));
        }
        tip
    }

    fn draw_singles(&self, svg: &mut Svg, singles: &[Placed]) {
        for p in singles {
            let tip = self.tooltip(p);
            svg.add(
                Circle::new(p.x, p.y, 4.0)
                    .fill(self.palette.colour(p.category))
                    .attr("stroke", "#ffffff")
                    .attr("stroke-width", "1")
                    .attr("fill-opacity", "0.9")
                    .tooltip(&tip),
            );
        }
    }

    fn draw_clusters(&self, svg: &mut Svg, clusters: &[cluster::Cluster]) {
        for c in clusters {
            let mut per: HashMap<u32, usize> = HashMap::new();
            for m in &c.members {
                *per.entry(m.category).or_insert(0) += 1;
            }
            let mut ranked: Vec<(u32, usize)> = per.into_iter().collect();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let n = c.members.len();
            let mut tip = format!("{} points near here", count(n));
            for (code, k) in ranked.iter().take(6) {
                tip.push_str(&format!(
                    "\n{}: {}",
                    self.categories.value(*code),
                    count(*k)
                ));
            }
            if ranked.len() > 6 {
                tip.push_str(&format!("\n… {} more values", ranked.len() - 6));
            }
            let r = c.radius();
            let colour = self.palette.colour(ranked.first().map_or(0, |r| r.0));
            svg.add(
                Circle::new(c.x, c.y, r)
                    .fill(colour)
                    .attr("fill-opacity", "0.75")
                    .attr("stroke", "#ffffff")
                    .attr("stroke-width", "1.5")
                    .tooltip(&tip),
            );
            svg.add(
                Text::new(c.x, c.y + 3.5, &count(n))
                    .size(10.0)
                    .anchor(Anchor::Middle)
                    .fill("#ffffff")
                    .attr("pointer-events", "none")
                    .attr("font-weight", "bold"),
            );
        }
    }

    /// Links from each point to its destination, merged per pair of 1-degree cells, thicker the
    /// more rows share them.
    fn draw_links(
        &self,
        svg: &mut Svg,
        fitted: &Fitted,
        points: &[Placed],
        lats: &[Option<f64>],
        lons: &[Option<f64>],
    ) {
        // (source lat, lon, destination lat, lon), rounded to whole degrees.
        type CellPair = (i64, i64, i64, i64);
        let mut pairs: HashMap<CellPair, (Placed, (f64, f64), usize)> = HashMap::new();
        let mut order = Vec::new();
        for p in points {
            let Some((lat, lon)) = valid(lats[p.row], lons[p.row]) else {
                continue;
            };
            let key = (
                self.lats[p.row].unwrap_or(0.0).round() as i64,
                self.lons[p.row].unwrap_or(0.0).round() as i64,
                lat.round() as i64,
                lon.round() as i64,
            );
            let entry = pairs.entry(key).or_insert_with(|| {
                order.push(key);
                (*p, fitted.point(lon, lat), 0)
            });
            entry.2 += 1;
        }
        for key in order.into_iter().take(MAX_LINKS) {
            let Some((from, (tx, ty), n)) = pairs.get(&key) else {
                continue;
            };
            // A curve bowed to one side keeps opposite links apart.
            let (mx, my) = ((from.x + tx) / 2.0, (from.y + ty) / 2.0);
            let (dx, dy) = (tx - from.x, ty - from.y);
            let (cx, cy) = (mx - dy * 0.2, my + dx * 0.2);
            let d = format!(
                "M{} {}Q{} {} {} {}",
                number(from.x),
                number(from.y),
                number(cx),
                number(cy),
                number(*tx),
                number(*ty)
            );
            let tip = format!(
                "{} rows\nfrom {}\nto {:.2}, {:.2}",
                count(*n),
                self.tooltip(from),
                key.2,
                key.3
            );
            svg.add(
                Path::new(d)
                    .stroke(self.palette.colour(from.category))
                    .stroke_width(1.0 + (*n as f64).log2().min(5.0))
                    .attr("stroke-opacity", "0.55")
                    .tooltip(&tip),
            );
            svg.add(
                Rect::new(tx - 2.5, ty - 2.5, 5.0, 5.0)
                    .fill("#333333")
                    .tooltip(&tip),
            );
        }
    }
}
