//! Location coarsening: a product's terms may say location leaves the OEM only
//! rounded to N km. Latitude snaps to a grid of N km; longitude to a grid of N
//! km at that latitude.

use serde_json::Value;

pub const LATITUDE: &str = "Vehicle.CurrentLocation.Latitude";
pub const LONGITUDE: &str = "Vehicle.CurrentLocation.Longitude";
const KM_PER_DEGREE: f64 = 111.32;

fn snap(value: f64, step: f64) -> f64 {
    // Round to the grid, then to 6 decimals so the JSON shows no float noise.
    ((value / step).round() * step * 1e6).round() / 1e6
}

/// Rounds latitude and longitude values in place.
pub fn coarsen(values: &mut [(String, Value)], precision_km: f64) {
    if precision_km.is_nan() || precision_km <= 0.0 {
        return;
    }
    let lat_step = precision_km / KM_PER_DEGREE;
    let latitude = values
        .iter()
        .find(|(p, _)| p == LATITUDE)
        .and_then(|(_, v)| v.as_f64());
    let lon_step = match latitude {
        Some(lat) => {
            precision_km / (KM_PER_DEGREE * snap(lat, lat_step).to_radians().cos().abs().max(0.01))
        }
        None => lat_step,
    };
    for (path, value) in values.iter_mut() {
        let step = match path.as_str() {
            LATITUDE => lat_step,
            LONGITUDE => lon_step,
            _ => continue,
        };
        if let Some(v) = value.as_f64() {
            *value = serde_json::json!(snap(v, step));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_a_five_km_grid() {
        let mut values = vec![
            (LATITUDE.to_owned(), serde_json::json!(48.137154)),
            (LONGITUDE.to_owned(), serde_json::json!(11.576124)),
        ];
        coarsen(&mut values, 5.0);
        let lat = values[0].1.as_f64().unwrap();
        let lon = values[1].1.as_f64().unwrap();
        assert!((lat - 48.137154).abs() <= 2.5 / 111.32 + 1e-6, "{lat}");
        assert!(
            (lon - 11.576124).abs() <= 2.5 / (111.32 * 48.1f64.to_radians().cos()) + 1e-6,
            "{lon}"
        );
        assert_ne!(lat, 48.137154);
        // Two points 100 m apart land on the same grid point.
        let mut near = vec![
            (LATITUDE.to_owned(), serde_json::json!(48.1380)),
            (LONGITUDE.to_owned(), serde_json::json!(11.5770)),
        ];
        coarsen(&mut near, 5.0);
        assert_eq!(near[0].1.as_f64().unwrap(), lat);
    }
}
