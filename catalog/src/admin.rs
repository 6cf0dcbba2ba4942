//! What OEM admins do to data products: create them, draft versions, publish
//! (after checking every signal and command against the catalog), deprecate
//! with a sunset date, retire. A published version is immutable: changing it
//! means drafting a new version. Every change is audited in its transaction.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use serde::Deserialize;
use serde_json::json;
use vdx_core::{ProductSlug, Purpose, SignalPath};

use crate::entity::{product, product_version, signal};
use crate::product::{Lifecycle, ProductVersion, Terms, find_product, versions};
use crate::{CatalogError, audit, purposes};

pub const CATEGORIES: &[&str] = &["energy", "insurance", "retail", "fleet", "other"];

/// A new product (it has no version until one is drafted).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    /// 2-64 lower-case letters, digits and hyphens; names the scopes `read:<slug>` and `command:<slug>`.
    pub slug: String,
    pub name: String,
    pub description: String,
    /// energy, insurance, retail, fleet or other.
    pub category: String,
}

/// The content of a version.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionSpec {
    /// Semantic version, greater than every existing version of the product.
    pub version: String,
    /// VSS signal paths or branch prefixes.
    pub signals: Vec<String>,
    /// VSS actuator paths partners may command.
    #[serde(default)]
    pub commands: Vec<String>,
    /// Purposes from the controlled list.
    pub purposes: Vec<String>,
    pub terms: Terms,
}

fn parse_paths(raw: &[String], what: &str, errors: &mut Vec<String>) -> Vec<SignalPath> {
    raw.iter()
        .filter_map(|p| match SignalPath::parse(p) {
            Ok(path) => Some(path),
            Err(e) => {
                errors.push(format!("{what} {p}: {e}"));
                None
            }
        })
        .collect()
}

pub async fn create_product(
    db: &DatabaseConnection,
    actor: &str,
    new: NewProduct,
    now_ms: i64,
) -> Result<product::Model, CatalogError> {
    let slug = ProductSlug::parse(&new.slug)?;
    if !CATEGORIES.contains(&new.category.as_str()) {
        return Err(CatalogError::Invalid(format!(
            "category must be one of {}",
            CATEGORIES.join(", ")
        )));
    }
    if new.name.trim().is_empty() {
        return Err(CatalogError::Invalid("name must not be empty".into()));
    }
    if find_product(db, &slug).await?.is_some() {
        return Err(CatalogError::Conflict(format!(
            "a product {slug} already exists"
        )));
    }
    let txn = vdx_core::db::begin_write(db).await?;
    let row = product::ActiveModel {
        slug: Set(slug.to_string()),
        name: Set(new.name.trim().to_owned()),
        description: Set(new.description),
        category: Set(new.category),
        created_at: Set(now_ms),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let target = format!("product:{slug}");
    let change = audit::Change::After(json!({"name": row.name, "category": row.category}));
    audit::commit(txn, actor, now_ms, "product.create", &target, change).await?;
    Ok(row)
}

pub(crate) async fn product_or_404(
    db: &impl sea_orm::ConnectionTrait,
    slug: &str,
) -> Result<product::Model, CatalogError> {
    let parsed = ProductSlug::parse(slug)
        .map_err(|_| CatalogError::NotFound(format!("no product {slug:?}")))?;
    find_product(db, &parsed)
        .await?
        .ok_or_else(|| CatalogError::NotFound(format!("no product {slug:?}")))
}

pub(crate) async fn version_row(
    db: &impl sea_orm::ConnectionTrait,
    product: &product::Model,
    version: &str,
) -> Result<product_version::Model, CatalogError> {
    product_version::Entity::find()
        .filter(product_version::Column::ProductId.eq(product.id))
        .filter(product_version::Column::Version.eq(version))
        .one(db)
        .await?
        .ok_or_else(|| {
            CatalogError::NotFound(format!("product {} has no version {version}", product.slug))
        })
}

/// Signals, commands and purposes of a spec, parsed.
type CheckedSpec = (Vec<SignalPath>, Vec<SignalPath>, Vec<Purpose>);

/// Checks the shape of a spec (syntax, purposes, terms); the catalog check comes at publish.
fn check_spec(spec: &VersionSpec) -> Result<CheckedSpec, CatalogError> {
    let mut errors = Vec::new();
    semver::Version::parse(&spec.version).map_err(|e| {
        CatalogError::Invalid(format!("version {:?} is not semantic: {e}", spec.version))
    })?;
    let signals = parse_paths(&spec.signals, "signal", &mut errors);
    let commands = parse_paths(&spec.commands, "command", &mut errors);
    if spec.signals.is_empty() {
        errors.push("a product needs at least one signal".into());
    }
    let mut purposes_parsed = Vec::new();
    for raw in &spec.purposes {
        match Purpose::parse(raw) {
            Ok(p) if purposes::lookup(&p).is_some() => purposes_parsed.push(p),
            _ => errors.push(format!("purpose {raw}: not in the controlled list")),
        }
    }
    if spec.purposes.is_empty() {
        errors.push("a product needs at least one purpose".into());
    }
    if spec
        .terms
        .location_precision_km
        .is_some_and(|km| !(km > 0.0 && km <= 1000.0))
    {
        errors.push("terms.location_precision_km must be between 0 and 1000".into());
    }
    if spec.terms.default_consent_days == 0 {
        errors.push("terms.default_consent_days must be at least 1".into());
    }
    if errors.is_empty() {
        Ok((signals, commands, purposes_parsed))
    } else {
        Err(CatalogError::Rejected {
            message: "the version is invalid".into(),
            errors,
        })
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, CatalogError> {
    serde_json::to_string(value).map_err(|e| CatalogError::Invalid(e.to_string()))
}

/// Drafts a new version. It must be newer than every existing version.
pub async fn create_version(
    db: &DatabaseConnection,
    actor: &str,
    slug: &str,
    spec: VersionSpec,
    now_ms: i64,
) -> Result<ProductVersion, CatalogError> {
    let product = product_or_404(db, slug).await?;
    let (signals, commands, purposes) = check_spec(&spec)?;
    let new =
        semver::Version::parse(&spec.version).map_err(|e| CatalogError::Invalid(e.to_string()))?;
    for existing in versions(db, &product).await? {
        if semver::Version::parse(&existing.version).is_ok_and(|v| v >= new) {
            return Err(CatalogError::Conflict(format!(
                "version {new} must be greater than existing version {}",
                existing.version
            )));
        }
    }
    let txn = vdx_core::db::begin_write(db).await?;
    let row = product_version::ActiveModel {
        product_id: Set(product.id),
        version: Set(new.to_string()),
        status: Set(Lifecycle::Draft.as_str().to_owned()),
        signals: Set(to_json(&signals)?),
        commands: Set(to_json(&commands)?),
        purposes: Set(to_json(&purposes)?),
        terms: Set(to_json(&spec.terms)?),
        created_at: Set(now_ms),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let version = ProductVersion::from_rows(&product, row)?;
    let target = format!("product:{}@{}", product.slug, version.version);
    let change = audit::Change::After(json!(version));
    audit::commit(txn, actor, now_ms, "version.create", &target, change).await?;
    Ok(version)
}

/// Replaces the content of a draft. Anything but a draft is immutable.
pub async fn update_draft(
    db: &DatabaseConnection,
    actor: &str,
    slug: &str,
    version: &str,
    spec: VersionSpec,
    now_ms: i64,
) -> Result<ProductVersion, CatalogError> {
    let product = product_or_404(db, slug).await?;
    let row = version_row(db, &product, version).await?;
    if row.status != Lifecycle::Draft.as_str() {
        return Err(CatalogError::Conflict(format!(
            "version {version} is {} and immutable; draft a new version instead",
            row.status
        )));
    }
    if spec.version != row.version {
        return Err(CatalogError::Invalid(
            "the version number of a draft cannot change".into(),
        ));
    }
    let (signals, commands, purposes) = check_spec(&spec)?;
    let before = ProductVersion::from_rows(&product, row.clone())?;
    let txn = vdx_core::db::begin_write(db).await?;
    let mut active = row.into_active_model();
    active.signals = Set(to_json(&signals)?);
    active.commands = Set(to_json(&commands)?);
    active.purposes = Set(to_json(&purposes)?);
    active.terms = Set(to_json(&spec.terms)?);
    let after = ProductVersion::from_rows(&product, active.update(&txn).await?)?;
    let target = format!("product:{slug}@{version}");
    let change = audit::Change::BeforeAfter(json!(before), json!(after));
    audit::commit(txn, actor, now_ms, "version.update", &target, change).await?;
    Ok(after)
}

/// Every reason a version cannot be published, one line per offending path.
async fn publish_problems(
    db: &impl sea_orm::ConnectionTrait,
    version: &ProductVersion,
) -> Result<Vec<String>, CatalogError> {
    let mut wanted: Vec<&SignalPath> = version.signals.iter().chain(&version.commands).collect();
    wanted.sort();
    wanted.dedup();
    let paths: Vec<String> = wanted.iter().map(ToString::to_string).collect();
    let known: Vec<signal::Model> = signal::Entity::find()
        .filter(signal::Column::Path.is_in(paths))
        .all(db)
        .await?;
    let find = |p: &SignalPath| known.iter().find(|s| s.path == p.as_str());
    let mut problems = Vec::new();
    for path in &version.signals {
        match find(path) {
            None => problems.push(format!("signal {path}: not in the catalog")),
            Some(s) if s.deprecated_at.is_some() => {
                problems.push(format!("signal {path}: deprecated"))
            }
            Some(_) => {}
        }
    }
    for path in &version.commands {
        match find(path) {
            None => problems.push(format!("command {path}: not in the catalog")),
            Some(s) if s.deprecated_at.is_some() => {
                problems.push(format!("command {path}: deprecated"))
            }
            Some(s) if s.node_type != "actuator" => problems.push(format!(
                "command {path}: a {} cannot be commanded, only an actuator",
                s.node_type
            )),
            Some(_) => {}
        }
    }
    Ok(problems)
}

/// Moves a version along draft → published → deprecated → retired.
pub async fn transition(
    db: &DatabaseConnection,
    actor: &str,
    slug: &str,
    version: &str,
    to: Lifecycle,
    sunset_at: Option<i64>,
    now_ms: i64,
) -> Result<ProductVersion, CatalogError> {
    let product = product_or_404(db, slug).await?;
    let row = version_row(db, &product, version).await?;
    let before = ProductVersion::from_rows(&product, row.clone())?;
    let allowed = matches!(
        (before.status, to),
        (Lifecycle::Draft, Lifecycle::Published)
            | (Lifecycle::Published, Lifecycle::Deprecated)
            | (Lifecycle::Deprecated, Lifecycle::Retired)
    );
    if !allowed {
        return Err(CatalogError::Conflict(format!(
            "version {version} is {}; it cannot become {} (the lifecycle is draft → published → deprecated → retired)",
            before.status.as_str(),
            to.as_str()
        )));
    }
    if to == Lifecycle::Published {
        let problems = publish_problems(db, &before).await?;
        if !problems.is_empty() {
            return Err(CatalogError::Rejected {
                message: format!("{slug}@{version} cannot be published"),
                errors: problems,
            });
        }
    }
    if to == Lifecycle::Deprecated && sunset_at.is_none_or(|t| t <= now_ms) {
        return Err(CatalogError::Invalid(
            "deprecating needs a sunset date in the future".into(),
        ));
    }
    let txn = vdx_core::db::begin_write(db).await?;
    let mut active = row.into_active_model();
    active.status = Set(to.as_str().to_owned());
    match to {
        Lifecycle::Published => active.published_at = Set(Some(now_ms)),
        Lifecycle::Deprecated => {
            active.sunset_at = Set(sunset_at);
            active.deprecated_at = Set(Some(now_ms));
        }
        _ => {}
    }
    let after = ProductVersion::from_rows(&product, active.update(&txn).await?)?;
    let action = format!("version.{}", to.as_str());
    let target = format!("product:{slug}@{version}");
    let change = audit::Change::BeforeAfter(json!(before), json!(after));
    audit::commit(txn, actor, now_ms, &action, &target, change).await?;
    Ok(after)
}

/// A product with all of its versions, newest first.
pub async fn product_with_versions(
    db: &DatabaseConnection,
    slug: &str,
) -> Result<(product::Model, Vec<ProductVersion>), CatalogError> {
    let product = product_or_404(db, slug).await?;
    let versions = versions(db, &product).await?;
    Ok((product, versions))
}

/// Every product, by slug.
pub async fn all_products(
    db: &DatabaseConnection,
) -> Result<Vec<(product::Model, Vec<ProductVersion>)>, CatalogError> {
    use sea_orm::QueryOrder;
    let mut out = Vec::new();
    for product in product::Entity::find()
        .order_by_asc(product::Column::Slug)
        .all(db)
        .await?
    {
        let versions = versions(db, &product).await?;
        out.push((product, versions));
    }
    Ok(out)
}
