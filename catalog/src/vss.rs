//! The signal catalog: import of a standard `vss-tools` JSON export, and the
//! reads of its rows that ingestion, commands and the admin API need.
//!
//! Parsing is separate from storing: the whole file is parsed and validated
//! first, and any invalid node (bad name, unknown type or datatype) names its
//! path and aborts before anything is written. Storing runs in one
//! transaction, so an import is all or nothing.

use std::collections::{BTreeMap, HashSet};

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionSession, TransactionTrait,
};
use serde_json::Value;
use vdx_core::SignalPath;

use crate::CatalogError;
use crate::entity::signal;

/// The datatypes VSS defines, plus their array forms (`uint8[]`).
const PRIMITIVE_DATATYPES: &[&str] = &[
    "boolean", "string", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float", "double",
];

/// The four VSS node types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    Branch,
    Sensor,
    Actuator,
    Attribute,
}

impl NodeType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Branch => "branch",
            Self::Sensor => "sensor",
            Self::Actuator => "actuator",
            Self::Attribute => "attribute",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        [Self::Branch, Self::Sensor, Self::Actuator, Self::Attribute]
            .into_iter()
            .find(|t| t.as_str() == raw)
    }
}

/// One parsed node of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct VssNode {
    pub path: SignalPath,
    pub node_type: NodeType,
    pub datatype: Option<String>,
    pub unit: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub allowed: Option<Vec<Value>>,
    pub description: String,
    pub deprecation: Option<String>,
}

/// What an import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// Signals in the catalog that the file no longer has; kept, marked deprecated.
    pub deprecated: usize,
}

/// Parses a vss-tools JSON export into its nodes, depth first.
pub fn parse(json: &str) -> Result<Vec<VssNode>, CatalogError> {
    let root: Value = serde_json::from_str(json)
        .map_err(|e| CatalogError::InvalidVss(format!("not JSON: {e}")))?;
    let Value::Object(top) = root else {
        return Err(CatalogError::InvalidVss(
            "the top level must be an object of root nodes".into(),
        ));
    };
    let mut nodes = Vec::new();
    for (name, node) in &top {
        walk(name.clone(), node, &mut nodes)?;
    }
    if nodes.is_empty() {
        return Err(CatalogError::InvalidVss("the file holds no nodes".into()));
    }
    Ok(nodes)
}

fn walk(path: String, node: &Value, out: &mut Vec<VssNode>) -> Result<(), CatalogError> {
    let bad = |why: String| CatalogError::InvalidVss(format!("node {path}: {why}"));
    let parsed_path = SignalPath::parse(&path).map_err(|e| bad(e.to_string()))?;
    let Value::Object(fields) = node else {
        return Err(bad("must be an object".into()));
    };
    let text = |key: &str| fields.get(key).and_then(Value::as_str).map(str::to_owned);
    let number = |key: &str| -> Result<Option<f64>, CatalogError> {
        match fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| bad(format!("{key} must be a number"))),
        }
    };
    let type_name = text("type").ok_or_else(|| bad("has no type".into()))?;
    let node_type =
        NodeType::parse(&type_name).ok_or_else(|| bad(format!("unknown type {type_name:?}")))?;
    let datatype = text("datatype");
    match (node_type, &datatype) {
        (NodeType::Branch, _) => {}
        (_, None) => return Err(bad("a leaf needs a datatype".into())),
        (_, Some(dt)) if !PRIMITIVE_DATATYPES.contains(&dt.trim_end_matches("[]")) => {
            return Err(bad(format!("unknown datatype {dt:?}")));
        }
        _ => {}
    }
    let allowed = match fields.get("allowed") {
        None | Some(Value::Null) => None,
        Some(Value::Array(values)) => Some(values.clone()),
        Some(_) => return Err(bad("allowed must be an array".into())),
    };
    out.push(VssNode {
        path: parsed_path,
        node_type,
        datatype,
        unit: text("unit"),
        min: number("min")?,
        max: number("max")?,
        allowed,
        description: text("description").unwrap_or_default(),
        deprecation: text("deprecation"),
    });
    if let Some(children) = fields.get("children") {
        let Value::Object(children) = children else {
            return Err(bad("children must be an object".into()));
        };
        for (name, child) in children {
            walk(format!("{path}.{name}"), child, out)?;
        }
    }
    Ok(())
}

/// Parses and stores a VSS export in one transaction. Signals missing from the
/// file are kept and marked deprecated, so published products never break.
/// `progress` is called with (nodes stored, nodes in file).
pub async fn import(
    db: &impl TransactionTrait,
    json: &str,
    now_ms: i64,
    mut progress: impl FnMut(usize, usize) + Send,
) -> Result<ImportSummary, CatalogError> {
    let nodes = parse(json)?;
    let txn = vdx_core::db::begin_write(db).await?;
    let existing: BTreeMap<String, signal::Model> = signal::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|m| (m.path.clone(), m))
        .collect();
    let mut summary = ImportSummary::default();
    let mut seen = HashSet::with_capacity(nodes.len());
    for (i, node) in nodes.iter().enumerate() {
        seen.insert(node.path.as_str().to_owned());
        let allowed = match &node.allowed {
            Some(values) => Some(
                serde_json::to_string(values)
                    .map_err(|e| CatalogError::InvalidVss(e.to_string()))?,
            ),
            None => None,
        };
        let row = signal::Model {
            path: node.path.to_string(),
            node_type: node.node_type.as_str().to_owned(),
            datatype: node.datatype.clone(),
            unit: node.unit.clone(),
            min: node.min,
            max: node.max,
            allowed,
            description: node.description.clone(),
            deprecation: node.deprecation.clone(),
            deprecated_at: node.deprecation.as_ref().map(|_| now_ms),
            updated_at: now_ms,
        };
        match existing.get(node.path.as_str()) {
            None => {
                signal::Entity::insert(signal::ActiveModel::from(row))
                    .exec(&txn)
                    .await?;
                summary.added += 1;
            }
            Some(old) if same_definition(old, &row) => summary.unchanged += 1,
            Some(_) => {
                signal::Entity::update(signal::ActiveModel::from(row))
                    .exec(&txn)
                    .await?;
                summary.changed += 1;
            }
        }
        if (i + 1) % 250 == 0 || i + 1 == nodes.len() {
            progress(i + 1, nodes.len());
        }
    }
    for (path, old) in &existing {
        if !seen.contains(path) && old.deprecated_at.is_none() {
            signal::Entity::update_many()
                .col_expr(
                    signal::Column::DeprecatedAt,
                    sea_orm::sea_query::Expr::value(now_ms),
                )
                .col_expr(
                    signal::Column::Deprecation,
                    sea_orm::sea_query::Expr::value("removed from the imported VSS release"),
                )
                .filter(signal::Column::Path.eq(path.as_str()))
                .exec(&txn)
                .await?;
            summary.deprecated += 1;
        }
    }
    txn.commit().await?;
    Ok(summary)
}

/// [`import`] on behalf of an admin: the signals and the `catalog.import`
/// audit record commit together.
#[tracing::instrument(skip_all, fields(actor, bytes = json.len()))]
pub async fn import_as(
    db: &impl TransactionTrait,
    actor: &str,
    json: &str,
    now_ms: i64,
) -> Result<ImportSummary, CatalogError> {
    let txn = vdx_core::db::begin_write(db).await?;
    let summary = import(&txn, json, now_ms, |_, _| {}).await?;
    let change = crate::audit::Change::After(serde_json::json!({
        "added": summary.added, "changed": summary.changed, "deprecated": summary.deprecated
    }));
    crate::audit::commit(txn, actor, now_ms, "catalog.import", "catalog", change).await?;
    Ok(summary)
}

/// Whether the catalog holds any signal yet.
pub async fn has_signals(db: &impl ConnectionTrait) -> Result<bool, CatalogError> {
    Ok(signal::Entity::find().one(db).await?.is_some())
}

/// One catalog node by its exact path.
pub async fn find_signal(
    db: &impl ConnectionTrait,
    path: &str,
) -> Result<Option<signal::Model>, CatalogError> {
    Ok(signal::Entity::find_by_id(path.to_owned()).one(db).await?)
}

/// The catalog nodes among `paths`, in one query; paths not in the catalog
/// are simply absent. Ingestion calls this once per batch.
pub async fn signals_at<'a>(
    db: &impl ConnectionTrait,
    paths: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<signal::Model>, CatalogError> {
    Ok(signal::Entity::find()
        .filter(signal::Column::Path.is_in(paths))
        .all(db)
        .await?)
}

/// At most `limit` catalog nodes by path, only those under `prefix` if given.
pub async fn list_signals(
    db: &impl ConnectionTrait,
    prefix: Option<&str>,
    limit: u64,
) -> Result<Vec<signal::Model>, CatalogError> {
    let mut find = signal::Entity::find()
        .order_by_asc(signal::Column::Path)
        .limit(limit);
    if let Some(prefix) = prefix {
        find = find.filter(signal::Column::Path.starts_with(prefix));
    }
    Ok(find.all(db).await?)
}

fn same_definition(old: &signal::Model, new: &signal::Model) -> bool {
    old.node_type == new.node_type
        && old.datatype == new.datatype
        && old.unit == new.unit
        && old.min == new.min
        && old.max == new.max
        && old.allowed == new.allowed
        && old.description == new.description
        && old.deprecation == new.deprecation
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_seed_catalog() {
        let nodes = parse(include_str!("../seed/vss-seed.json")).expect("the seed parses");
        assert!(nodes.iter().any(|n| n.path.as_str()
            == "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"
            && n.node_type == NodeType::Sensor
            && n.unit.as_deref() == Some("percent")
            && n.max == Some(100.0)));
    }

    #[test]
    fn an_unknown_datatype_names_the_node() {
        let json = r#"{"Vehicle":{"type":"branch","description":"","children":{"Speed":{"type":"sensor","datatype":"float128"}}}}"#;
        let err = parse(json).map(|_| ()).unwrap_err().to_string();
        assert!(
            err.contains("Vehicle.Speed") && err.contains("float128"),
            "{err}"
        );
    }

    #[test]
    fn an_invalid_name_names_the_node() {
        let json = r#"{"Vehicle":{"type":"branch","description":"","children":{"Bad Name":{"type":"sensor","datatype":"float"}}}}"#;
        let err = parse(json).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("Vehicle.Bad Name"), "{err}");
    }
}
