//! Decoding one MaxMind-format record into a [`GeoLocation`], whatever the database's layout.
//!
//! Three layouts are read:
//! - MaxMind GeoIP2 / GeoLite2 City, Country and Enterprise: nested `country.iso_code`,
//!   `city.names.en`, `subdivisions[0].names.en`, `location.latitude`, `traits.*`;
//! - MaxMind ASN and ISP: top-level `autonomous_system_number`, `autonomous_system_organization`,
//!   `isp`, `organization`;
//! - the flat ip-location-db / DB-IP lite layout: `country_code`, `city`, `state1`,
//!   `latitude`, `longitude`.

use serde::Deserialize;

use super::GeoLocation;
use super::countries::country_name;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawRecord {
    #[serde(default)]
    country_code: Option<String>,
    #[serde(default)]
    country: Option<Place>,
    #[serde(default)]
    registered_country: Option<Place>,
    #[serde(default)]
    city: Option<CityField>,
    #[serde(default)]
    state1: Option<String>,
    #[serde(default)]
    subdivisions: Option<Vec<Place>>,
    #[serde(default)]
    latitude: Option<Number>,
    #[serde(default)]
    longitude: Option<Number>,
    #[serde(default)]
    location: Option<Location>,
    #[serde(default)]
    autonomous_system_number: Option<u32>,
    #[serde(default)]
    autonomous_system_organization: Option<String>,
    #[serde(default)]
    isp: Option<String>,
    #[serde(default)]
    organization: Option<String>,
    #[serde(default)]
    traits: Option<Network>,
}

#[derive(Debug, Default, Deserialize)]
struct Network {
    #[serde(default)]
    autonomous_system_number: Option<u32>,
    #[serde(default)]
    autonomous_system_organization: Option<String>,
    #[serde(default)]
    isp: Option<String>,
    #[serde(default)]
    organization: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Place {
    #[serde(default)]
    iso_code: Option<String>,
    #[serde(default)]
    names: Option<Names>,
}

#[derive(Debug, Default, Deserialize)]
struct Names {
    #[serde(default)]
    en: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum CityField {
    Name(String),
    Place(Place),
}

#[derive(Debug, Default, Deserialize)]
struct Location {
    #[serde(default)]
    latitude: Option<Number>,
    #[serde(default)]
    longitude: Option<Number>,
}

/// A number stored as any MaxMind numeric type: DB-IP writes coordinates as 32-bit floats,
/// MaxMind as doubles, and the reader only converts when asked through `deserialize_any`.
#[derive(Debug, Clone, Copy)]
struct Number(f64);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;

        impl serde::de::Visitor<'_> for Visit {
            type Value = Number;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number")
            }

            fn visit_f32<E>(self, v: f32) -> Result<Number, E> {
                Ok(Number(f64::from(v)))
            }

            fn visit_f64<E>(self, v: f64) -> Result<Number, E> {
                Ok(Number(v))
            }

            fn visit_u64<E>(self, v: u64) -> Result<Number, E> {
                Ok(Number(v as f64))
            }

            fn visit_i64<E>(self, v: i64) -> Result<Number, E> {
                Ok(Number(v as f64))
            }
        }

        deserializer.deserialize_any(Visit)
    }
}

impl RawRecord {
    /// The record as a location; `None` when it holds no field this module reads.
    pub(crate) fn into_location(self) -> Option<GeoLocation> {
        let country = self.country.as_ref().or(self.registered_country.as_ref());
        let country_code = self
            .country_code
            .filter(|c| !c.is_empty())
            .or_else(|| country.and_then(|c| c.iso_code.clone()));
        let country_name = country
            .and_then(|c| c.names.as_ref())
            .and_then(|n| n.en.clone())
            .or_else(|| {
                country_code
                    .as_deref()
                    .and_then(country_name)
                    .map(String::from)
            });
        let region = self.state1.filter(|s| !s.is_empty()).or_else(|| {
            let first = self.subdivisions.as_ref()?.first()?;
            first
                .names
                .as_ref()
                .and_then(|n| n.en.clone())
                .or_else(|| first.iso_code.clone())
        });
        let city = match self.city {
            Some(CityField::Name(name)) if !name.is_empty() => Some(name),
            Some(CityField::Place(place)) => place.names.and_then(|n| n.en),
            _ => None,
        };
        let (latitude, longitude) = match self.location {
            Some(Location {
                latitude: Some(lat),
                longitude: Some(lon),
            }) => (Some(lat.0), Some(lon.0)),
            _ => (self.latitude.map(|n| n.0), self.longitude.map(|n| n.0)),
        };
        let traits = self.traits.unwrap_or_default();
        let asn = self
            .autonomous_system_number
            .or(traits.autonomous_system_number);
        let organisation = [
            self.autonomous_system_organization,
            self.organization,
            self.isp,
            traits.autonomous_system_organization,
            traits.organization,
            traits.isp,
        ]
        .into_iter()
        .flatten()
        .find(|s| !s.is_empty());

        let location = GeoLocation {
            country_code,
            country_name,
            region,
            city,
            latitude,
            longitude,
            asn,
            organisation,
        };
        (!location.is_empty()).then_some(location)
    }
}
