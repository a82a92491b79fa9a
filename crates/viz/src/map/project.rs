//! Map projections: longitude–latitude to a position on the page.

use std::fmt;
use std::str::FromStr;

/// How the round earth is laid flat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Projection {
    /// Natural Earth I (Šavrič, Patterson and Jenny, 2011): a compromise projection with
    /// rounded corners, less stretched near the poles.
    #[default]
    NaturalEarth,
    /// Plate carrée: longitude and latitude as x and y.
    Equirectangular,
}

impl fmt::Display for Projection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Projection::NaturalEarth => "natural_earth",
            Projection::Equirectangular => "equirectangular",
        })
    }
}

/// The error from parsing an unknown projection name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown projection `{0}`; expected natural_earth or equirectangular")]
pub struct UnknownProjection(pub String);

impl FromStr for Projection {
    type Err = UnknownProjection;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "natural_earth" | "naturalearth" => Ok(Projection::NaturalEarth),
            "equirectangular" | "plate_carree" => Ok(Projection::Equirectangular),
            _ => Err(UnknownProjection(s.to_owned())),
        }
    }
}

impl Projection {
    /// Projects degrees to unit-free map coordinates, y growing north.
    pub(crate) fn raw(self, lon: f64, lat: f64) -> (f64, f64) {
        let (lambda, phi) = (lon.to_radians(), lat.clamp(-90.0, 90.0).to_radians());
        match self {
            Projection::Equirectangular => (lambda, phi),
            Projection::NaturalEarth => {
                let p2 = phi * phi;
                let p4 = p2 * p2;
                let x = lambda
                    * (0.870_700 - 0.131_979 * p2
                        + p4 * (-0.013_791 + p4 * (0.003_971 * p2 - 0.001_529 * p4)));
                let y = phi
                    * (1.007_226
                        + p2 * (0.015_085 + p4 * (-0.044_475 + 0.028_874 * p2 - 0.005_916 * p4)));
                (x, y)
            }
        }
    }

    /// The extent of the whole world in raw coordinates: (half width, half height).
    pub(crate) fn half_extent(self) -> (f64, f64) {
        let (x, _) = self.raw(180.0, 0.0);
        let (_, y) = self.raw(0.0, 90.0);
        (x, y)
    }
}

/// A projection fitted to a rectangle of the page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Fitted {
    projection: Projection,
    scale: f64,
    cx: f64,
    cy: f64,
}

impl Fitted {
    /// Fits the whole world into `width` × `height` pixels at `x`, `y`, keeping proportions.
    pub(crate) fn new(projection: Projection, x: f64, y: f64, width: f64, height: f64) -> Self {
        let (hw, hh) = projection.half_extent();
        let scale = (width / (2.0 * hw)).min(height / (2.0 * hh));
        Fitted {
            projection,
            scale,
            cx: x + width / 2.0,
            cy: y + height / 2.0,
        }
    }

    /// The page position of a longitude–latitude.
    pub(crate) fn point(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (x, y) = self.projection.raw(lon, lat);
        (self.cx + x * self.scale, self.cy - y * self.scale)
    }

    /// The height the world takes at this scale.
    pub(crate) fn world_height(&self) -> f64 {
        2.0 * self.projection.half_extent().1 * self.scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_is_the_centre() {
        let fitted = Fitted::new(Projection::NaturalEarth, 0.0, 0.0, 200.0, 100.0);
        let (x, y) = fitted.point(0.0, 0.0);
        assert!((x - 100.0).abs() < 1e-9 && (y - 50.0).abs() < 1e-9);
    }

    #[test]
    fn north_is_up_and_east_is_right() {
        let fitted = Fitted::new(Projection::Equirectangular, 0.0, 0.0, 360.0, 180.0);
        assert_eq!(fitted.point(180.0, 90.0), (360.0, 0.0));
        let (x, y) = fitted.point(-90.0, -45.0);
        assert!((x - 90.0).abs() < 1e-9 && (y - 135.0).abs() < 1e-9);
    }

    #[test]
    fn natural_earth_matches_published_extent() {
        // Natural Earth I reaches about 2.735 east of the centre and 1.422 north of it.
        let (hw, hh) = Projection::NaturalEarth.half_extent();
        assert!((hw - 2.7354).abs() < 0.001, "{hw}");
        assert!((hh - 1.4224).abs() < 0.001, "{hh}");
    }

    #[test]
    fn names_parse() {
        assert_eq!("natural-earth".parse(), Ok(Projection::NaturalEarth));
        assert!("mercator".parse::<Projection>().is_err());
    }
}
