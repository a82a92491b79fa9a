//! Lookup results as the data layer's `IpAddress` entity with its `GeoLocation`.

use huntbook_data::entities;

use super::IpLocation;

impl IpLocation {
    /// The result as an [`entities::IpAddress`] whose `location` holds what was found (the
    /// entity's `asn` is text, as in Sentinel's entity JSON).
    pub fn to_entity(&self) -> entities::IpAddress {
        let location = self.location.as_ref().map(|l| entities::GeoLocation {
            country_code: l.country_code.clone(),
            country_or_region_name: l.country_name.clone(),
            state: l.region.clone(),
            city: l.city.clone(),
            longitude: l.longitude,
            latitude: l.latitude,
            asn: l.asn.map(|a| a.to_string()),
            ..Default::default()
        });
        entities::IpAddress {
            address: Some(self.ip.trim().to_string()),
            location,
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::geoip::GeoIp;

    #[test]
    fn entity_carries_the_location() {
        let entity = GeoIp::offline().unwrap().lookup("8.8.8.8").to_entity();
        assert_eq!(entity.address.as_deref(), Some("8.8.8.8"));
        let location = entity.location.unwrap();
        assert_eq!(location.country_code.as_deref(), Some("US"));
        assert_eq!(location.asn.as_deref(), Some("15169"));
    }
}
