//! Decoding TopoJSON: quantized, delta-encoded arcs shared between neighbouring shapes.
//!
//! A TopoJSON document stores every border once, as an arc of integer positions, each the
//! difference from the one before; `transform` scales and shifts them back to longitude and
//! latitude. A polygon ring lists the arcs it is made of; a negative index `!i` (written
//! `-i-1`) means arc `i` walked backwards. Consecutive arcs share their joining point, which is
//! therefore dropped from all but the first.

use serde_json::Value;

use crate::error::VizError;

/// A longitude–latitude position in degrees.
pub(crate) type LonLat = (f64, f64);

/// A named shape of the map: its polygons, each a list of rings (outer ring first).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Shape {
    pub(crate) name: String,
    pub(crate) polygons: Vec<Vec<Vec<LonLat>>>,
}

fn data_error(part: &'static str, problem: impl Into<String>) -> VizError {
    VizError::MapData {
        part,
        problem: problem.into(),
    }
}

/// Decodes the geometry collection `object` of a TopoJSON document.
pub(crate) fn decode(text: &str, object: &str) -> Result<Vec<Shape>, VizError> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| data_error("document", e.to_string()))?;
    let arcs = decode_arcs(&doc)?;
    let geometries = doc
        .pointer(&format!("/objects/{object}/geometries"))
        .and_then(Value::as_array)
        .ok_or_else(|| data_error("objects", format!("no geometry collection `{object}`")))?;
    geometries
        .iter()
        .map(|g| decode_geometry(g, &arcs))
        .collect()
}

/// All arcs as absolute longitude–latitude positions.
fn decode_arcs(doc: &Value) -> Result<Vec<Vec<LonLat>>, VizError> {
    let (scale, translate) = match doc.get("transform") {
        Some(t) => (
            pair(t.get("scale"), "transform.scale")?,
            pair(t.get("translate"), "transform.translate")?,
        ),
        None => ((1.0, 1.0), (0.0, 0.0)),
    };
    let quantized = doc.get("transform").is_some();
    let arcs = doc
        .get("arcs")
        .and_then(Value::as_array)
        .ok_or_else(|| data_error("arcs", "missing"))?;
    arcs.iter()
        .map(|arc| {
            let points = arc
                .as_array()
                .ok_or_else(|| data_error("arcs", "an arc is not a list"))?;
            let (mut x, mut y) = (0.0, 0.0);
            points
                .iter()
                .map(|p| {
                    let (dx, dy) = pair(Some(p), "arcs")?;
                    if quantized {
                        x += dx;
                        y += dy;
                    } else {
                        (x, y) = (dx, dy);
                    }
                    Ok((x * scale.0 + translate.0, y * scale.1 + translate.1))
                })
                .collect()
        })
        .collect()
}

fn pair(value: Option<&Value>, part: &'static str) -> Result<(f64, f64), VizError> {
    let list = value
        .and_then(Value::as_array)
        .ok_or_else(|| data_error(part, "expected a pair of numbers"))?;
    match (
        list.first().and_then(Value::as_f64),
        list.get(1).and_then(Value::as_f64),
    ) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(data_error(part, "expected a pair of numbers")),
    }
}

fn decode_geometry(geometry: &Value, arcs: &[Vec<LonLat>]) -> Result<Shape, VizError> {
    let name = geometry
        .pointer("/properties/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let rings_of = |polygon: &Value| -> Result<Vec<Vec<LonLat>>, VizError> {
        polygon
            .as_array()
            .ok_or_else(|| data_error("geometries", "a polygon is not a list of rings"))?
            .iter()
            .map(|ring| stitch(ring, arcs))
            .collect()
    };
    let kind = geometry.get("type").and_then(Value::as_str).unwrap_or("");
    let polygons = match (kind, geometry.get("arcs")) {
        ("Polygon", Some(polygon)) => vec![rings_of(polygon)?],
        ("MultiPolygon", Some(Value::Array(polygons))) => {
            polygons.iter().map(rings_of).collect::<Result<_, _>>()?
        }
        // Null geometries (no shape) are allowed by the format.
        _ => Vec::new(),
    };
    Ok(Shape { name, polygons })
}

/// Joins the arcs of one ring into a list of positions.
fn stitch(ring: &Value, arcs: &[Vec<LonLat>]) -> Result<Vec<LonLat>, VizError> {
    let indexes = ring
        .as_array()
        .ok_or_else(|| data_error("geometries", "a ring is not a list of arc indexes"))?;
    let mut points: Vec<LonLat> = Vec::new();
    for index in indexes {
        let i = index
            .as_i64()
            .ok_or_else(|| data_error("geometries", "an arc index is not an integer"))?;
        let (arc, reversed) = if i < 0 { (!i, true) } else { (i, false) };
        let arc = usize::try_from(arc)
            .ok()
            .and_then(|a| arcs.get(a))
            .ok_or_else(|| data_error("geometries", format!("arc {i} does not exist")))?;
        let skip = usize::from(!points.is_empty());
        if reversed {
            points.extend(arc.iter().rev().skip(skip));
        } else {
            points.extend(arc.iter().skip(skip));
        }
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = r#"{
        "type": "Topology",
        "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
        "arcs": [[[0, 0], [2, 0], [0, 2]], [[2, 2], [-2, 0], [0, -2]]],
        "objects": {"shapes": {"type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "arcs": [[0, 1]], "properties": {"name": "square"}},
            {"type": "MultiPolygon", "arcs": [[[-2, -1]]], "properties": {"name": "back"}},
            {"type": null}
        ]}}
    }"#;

    #[test]
    fn arcs_are_delta_decoded_and_stitched() {
        let shapes = decode(SQUARE, "shapes").unwrap_or_default();
        assert_eq!(shapes.len(), 3);
        assert_eq!(shapes[0].name, "square");
        assert_eq!(
            shapes[0].polygons[0][0],
            vec![
                (10.0, 20.0),
                (11.0, 20.0),
                (11.0, 21.0),
                (10.0, 21.0),
                (10.0, 20.0)
            ]
        );
    }

    #[test]
    fn negative_indexes_walk_arcs_backwards() {
        let shapes = decode(SQUARE, "shapes").unwrap_or_default();
        assert_eq!(
            shapes[1].polygons[0][0],
            vec![
                (10.0, 20.0),
                (10.0, 21.0),
                (11.0, 21.0),
                (11.0, 20.0),
                (10.0, 20.0)
            ]
        );
        assert!(shapes[2].polygons.is_empty());
    }

    #[test]
    fn bad_documents_are_errors() {
        assert!(decode("{}", "shapes").is_err());
        assert!(decode("not json", "shapes").is_err());
        let missing_arc = SQUARE.replace("[[0, 1]]", "[[0, 7]]");
        assert!(decode(&missing_arc, "shapes").is_err());
    }

    #[test]
    fn vendored_world_has_the_countries() {
        let text = include_str!("../../data/countries-110m.json");
        let shapes = decode(text, "countries").unwrap_or_default();
        assert_eq!(shapes.len(), 177);
        assert!(shapes.iter().any(|s| s.name == "France"));
    }
}
