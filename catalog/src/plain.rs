//! A data product in plain words, for the people whose data it is: what each
//! signal is (from its VSS path and description), what each command does, and
//! the terms that matter to a driver. Used by the OAuth consent screen and the
//! portal's sharing page, so a driver never has to read a VSS path to decide.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use vdx_core::SignalPath;

use crate::entity::signal;
use crate::{CatalogError, ProductVersion};

/// One signal or command, described for a driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainItem {
    /// The VSS path or branch, for those who want it.
    pub path: String,
    /// `Powertrain › Traction battery › State of charge › Current`.
    pub label: String,
    /// The catalog's description, or what a branch holds.
    pub about: String,
    /// The unit, when the signal has one.
    pub unit: Option<String>,
}

/// A product version in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainProduct {
    pub signals: Vec<PlainItem>,
    pub commands: Vec<PlainItem>,
    /// Sentences about history, location precision and retention.
    pub terms: Vec<String>,
}

/// Splits a VSS name into words: `StateOfCharge` → `State of charge`,
/// `IsDCChargingPlugged` → `Is DC charging plugged`.
pub fn words(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        let boundary = c.is_uppercase()
            && prev.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
            });
        if boundary && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        word.push(c);
    }
    if !word.is_empty() {
        out.push(word);
    }
    out.iter()
        .enumerate()
        .map(|(i, w)| {
            let acronym = w.len() > 1 && w.chars().all(|c| c.is_uppercase() || c.is_ascii_digit());
            if i == 0 || acronym {
                w.clone()
            } else {
                w.to_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The label of a path: its names after `Vehicle`, in words.
pub fn label(path: &str) -> String {
    let names: Vec<&str> = path.split('.').collect();
    let names = match names.as_slice() {
        ["Vehicle", rest @ ..] if !rest.is_empty() => rest,
        all => all,
    };
    names
        .iter()
        .map(|n| words(n))
        .collect::<Vec<_>>()
        .join(" › ")
}

fn first_sentence(text: &str) -> String {
    let text = text.trim();
    match text.find(". ") {
        Some(end) => text[..=end].to_owned(),
        None => text.to_owned(),
    }
}

async fn describe_path(
    db: &impl ConnectionTrait,
    path: &SignalPath,
) -> Result<PlainItem, CatalogError> {
    let raw = path.as_str();
    let node = signal::Entity::find_by_id(raw.to_owned()).one(db).await?;
    let mut item = PlainItem {
        path: raw.to_owned(),
        label: label(raw),
        about: node
            .as_ref()
            .map(|n| first_sentence(&n.description))
            .unwrap_or_default(),
        unit: node.as_ref().and_then(|n| n.unit.clone()),
    };
    if node.as_ref().is_none_or(|n| n.node_type == "branch") {
        let leaves = signal::Entity::find()
            .filter(signal::Column::Path.starts_with(format!("{raw}.")))
            .filter(signal::Column::NodeType.ne("branch"))
            .all(db)
            .await?;
        let mut names: Vec<String> = leaves
            .iter()
            .map(|l| {
                words(l.path.rsplit_once('.').map_or(&*l.path, |(_, leaf)| leaf)).to_lowercase()
            })
            .collect();
        names.sort();
        names.dedup();
        let shown = names.iter().take(6).cloned().collect::<Vec<_>>().join(", ");
        let more = names.len().saturating_sub(6);
        let list = if more > 0 {
            format!("{shown} and {more} more")
        } else {
            shown
        };
        if !list.is_empty() {
            let lead = if item.about.is_empty() {
                String::new()
            } else {
                format!("{} ", item.about)
            };
            item.about = format!("{lead}Everything in this group: {list}.");
        }
    }
    Ok(item)
}

/// Describes `version` in plain words.
pub async fn describe(
    db: &impl ConnectionTrait,
    version: &ProductVersion,
) -> Result<PlainProduct, CatalogError> {
    let mut signals = Vec::with_capacity(version.signals.len());
    for path in &version.signals {
        signals.push(describe_path(db, path).await?);
    }
    let mut commands = Vec::with_capacity(version.commands.len());
    for path in &version.commands {
        commands.push(describe_path(db, path).await?);
    }
    let t = &version.terms;
    let mut terms = Vec::new();
    terms.push(match t.history_days {
        0 => "Only current values, no history.".to_owned(),
        1 => {
            "Current values and the last day of history (never from before you agreed).".to_owned()
        }
        n => {
            format!("Current values and up to {n} days of history (never from before you agreed).")
        }
    });
    if let Some(km) = t.location_precision_km {
        terms.push(format!(
            "Location is rounded to about {km} km; the exact position is never shared."
        ));
    }
    terms.push(format!(
        "The partner may keep what it receives for {} days.",
        t.retention_days
    ));
    Ok(PlainProduct {
        signals,
        commands,
        terms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vss_names_become_words() {
        assert_eq!(words("StateOfCharge"), "State of charge");
        assert_eq!(words("IsDCChargingPlugged"), "Is DC charging plugged");
        assert_eq!(words("Row1"), "Row1");
        assert_eq!(
            label("Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"),
            "Powertrain › Traction battery › State of charge › Current"
        );
        assert_eq!(label("Vehicle"), "Vehicle");
    }
}
