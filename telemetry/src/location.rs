//! Location coarsening: a product's terms may say location leaves the OEM only
//! rounded to N km. Latitude snaps to a grid of N km; longitude to a grid of N
//! km at the vehicle's *stored* latitude (snapped first), whatever the request
//! named: asking for the longitude alone must not give a finer grid. A
//! longitude with no stored latitude to size its grid is withheld.

use serde_json::Value;

pub const LATITUDE: &str = "Vehicle.CurrentLocation.Latitude";
pub const LONGITUDE: &str = "Vehicle.CurrentLocation.Longitude";
const KM_PER_DEGREE: f64 = 111.32;

fn snap(value: f64, step: f64) -> f64 {
    // Round to the grid, then to 6 decimals so the JSON shows no float noise.
    ((value / step).round() * step * 1e6).round() / 1e6
}

/// The coarse value of one location signal, or `None` when it must be
/// withheld (a longitude without a latitude, or a non-numeric value).
/// `latitude` is the stored latitude observed with the value. Other paths pass
/// through unchanged.
pub fn coarsen(
    path: &str,
    value: Value,
    latitude: Option<f64>,
    precision_km: f64,
) -> Option<Value> {
    if !(precision_km.is_finite() && precision_km > 0.0) || (path != LATITUDE && path != LONGITUDE)
    {
        return Some(value);
    }
    let lat_step = precision_km / KM_PER_DEGREE;
    let v = value.as_f64()?;
    let step = if path == LATITUDE {
        lat_step
    } else {
        let lat = snap(latitude?, lat_step);
        precision_km / (KM_PER_DEGREE * lat.to_radians().cos().abs().max(0.01))
    };
    Some(serde_json::json!(snap(v, step)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(v: Option<Value>) -> f64 {
        v.and_then(|v| v.as_f64()).unwrap()
    }

    #[test]
    fn rounds_to_a_five_km_grid() {
        let lat = f(coarsen(LATITUDE, json!(48.137154), Some(48.137154), 5.0));
        let lon = f(coarsen(LONGITUDE, json!(11.576124), Some(48.137154), 5.0));
        assert!((lat - 48.137154).abs() <= 2.5 / 111.32 + 1e-6, "{lat}");
        assert!(
            (lon - 11.576124).abs() <= 2.5 / (111.32 * 48.1f64.to_radians().cos()) + 1e-6,
            "{lon}"
        );
        assert_ne!(lat, 48.137154);
        // Two points 100 m apart land on the same grid point.
        assert_eq!(f(coarsen(LATITUDE, json!(48.1380), Some(48.138), 5.0)), lat);
    }

    #[test]
    fn a_longitude_is_rounded_on_a_grid_sized_by_the_stored_latitude() {
        let lon = f(coarsen(LONGITUDE, json!(11.576124), Some(48.137154), 5.0));
        // The grid is 5 km wide at the (snapped) latitude, not the latitude
        // grid's 5 km of a degree of latitude (3.3 km of longitude here).
        let lat_step = 5.0 / 111.32;
        let snapped = (48.137154_f64 / lat_step).round() * lat_step;
        let step = 5.0 / (111.32 * snapped.to_radians().cos());
        assert!(
            ((lon / step).round() * step - lon).abs() < 1e-5,
            "{lon} on the {step}° grid"
        );
        assert!(
            ((lon / lat_step).round() * lat_step - lon).abs() > 1e-4,
            "{lon} not on the latitude grid"
        );
        // A nearby latitude that snaps to the same grid line gives the same grid.
        assert_eq!(
            coarsen(LONGITUDE, json!(11.576124), Some(48.1372), 5.0),
            Some(json!(lon))
        );
    }

    #[test]
    fn a_longitude_without_a_latitude_is_withheld() {
        assert_eq!(coarsen(LONGITUDE, json!(11.5), None, 5.0), None);
        assert_eq!(
            coarsen("Vehicle.Speed", json!(42), None, 5.0),
            Some(json!(42))
        );
    }
}
