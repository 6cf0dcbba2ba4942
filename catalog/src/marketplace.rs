//! Partners, their apps (OAuth clients) and subscriptions, and the rule that
//! turns active subscriptions into the scopes an app's token may carry.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, TransactionTrait,
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use vdx_core::{
    AppId, PartnerId, PlanId, ProductVersionId, Scope, ScopeSet, SubscriptionId, secret,
};

use crate::CatalogError;
use crate::entity::{app, partner, product, product_version, subscription};
use crate::lookup::by_id_lookups;

/// Where a subscription is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Pending,
    Active,
    Rejected,
    Suspended,
    Ended,
}

impl SubscriptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Rejected => "rejected",
            Self::Suspended => "suspended",
            Self::Ended => "ended",
        }
    }
}

/// A newly created app and its client secret, shown exactly once (and never
/// by `Debug`).
#[derive(Clone, Debug)]
pub struct NewApp {
    pub app: app::Model,
    pub client_secret: SecretString,
}

pub async fn create_partner(
    db: &impl ConnectionTrait,
    name: &str,
    now_ms: i64,
) -> Result<partner::Model, CatalogError> {
    Ok(partner::ActiveModel {
        name: Set(name.to_owned()),
        created_at: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Registers a partner organisation on behalf of `actor`: the name must be
/// free, and the partner and its `partner.create` audit record commit
/// together.
#[tracing::instrument(skip_all, fields(partner = name, actor))]
pub async fn register_partner(
    db: &impl TransactionTrait,
    name: &str,
    actor: &str,
    now_ms: i64,
) -> Result<partner::Model, CatalogError> {
    let txn = vdx_core::db::begin_write(db).await?;
    if find_partner_by_name(&txn, name).await?.is_some() {
        return Err(CatalogError::Conflict(format!(
            "a partner named {name:?} exists"
        )));
    }
    let partner = create_partner(&txn, name, now_ms).await?;
    let target = format!("partner:{}", partner.id);
    let change = crate::audit::Change::After(serde_json::json!({"name": name}));
    crate::audit::commit(txn, actor, now_ms, "partner.create", &target, change).await?;
    Ok(partner)
}

/// Creates an app with a fresh client id and secret; only the secret's hash is stored.
pub async fn create_app(
    db: &impl ConnectionTrait,
    partner: PartnerId,
    name: &str,
    redirect_uris: &[String],
    direct_scopes: &ScopeSet,
    now_ms: i64,
) -> Result<NewApp, CatalogError> {
    let client_secret = secret::generate("vdxs_");
    let hash = secret::hash(&client_secret).map_err(|e| CatalogError::Hashing(e.to_string()))?;
    let redirect_uris = serde_json::to_string(redirect_uris)
        .map_err(|e| CatalogError::Encode("redirect URIs", e.to_string()))?;
    let app = app::ActiveModel {
        partner_id: Set(partner),
        name: Set(name.to_owned()),
        client_id: Set(format!("vdxc_{}", uuid::Uuid::new_v4().simple())),
        client_secret_hash: Set(hash),
        redirect_uris: Set(redirect_uris),
        direct_scopes: Set(direct_scopes.to_string()),
        created_at: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(NewApp {
        app,
        client_secret: client_secret.into(),
    })
}

/// The partner named `name`, if there is one.
pub async fn find_partner_by_name(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<partner::Model>, CatalogError> {
    Ok(partner::Entity::find()
        .filter(partner::Column::Name.eq(name))
        .one(db)
        .await?)
}

by_id_lookups!(
    partner,
    PartnerId,
    /// One partner by id.
    find_partner_by_id,
    /// The partners among `ids` that exist, in one query.
    partners_by_ids
);

/// An app and the partner it belongs to; `None` if either row is missing.
pub async fn app_with_partner(
    db: &impl ConnectionTrait,
    id: AppId,
) -> Result<Option<(app::Model, partner::Model)>, CatalogError> {
    let Some(app) = find_app_by_id(db, id).await? else {
        return Ok(None);
    };
    Ok(find_partner_by_id(db, app.partner_id)
        .await?
        .map(|partner| (app, partner)))
}

/// Whether any partner exists (the demo seeds only an empty database).
pub async fn has_partners(db: &impl ConnectionTrait) -> Result<bool, CatalogError> {
    Ok(partner::Entity::find().count(db).await? > 0)
}

by_id_lookups!(
    app,
    AppId,
    /// One app by id.
    find_app_by_id,
    /// The apps among `ids` that exist, in one query.
    apps_by_ids
);

pub async fn find_app_by_client_id(
    db: &impl ConnectionTrait,
    client_id: &str,
) -> Result<Option<app::Model>, CatalogError> {
    Ok(app::Entity::find()
        .filter(app::Column::ClientId.eq(client_id))
        .one(db)
        .await?)
}

/// Records a subscription in the given state (the admin approval flow builds on this).
pub async fn subscribe(
    db: &impl ConnectionTrait,
    app: AppId,
    version: ProductVersionId,
    plan: PlanId,
    status: SubscriptionStatus,
    now_ms: i64,
) -> Result<SubscriptionId, CatalogError> {
    let row = subscription::ActiveModel {
        app_id: Set(app),
        product_version_id: Set(version),
        plan_id: Set(plan),
        status: Set(status.as_str().to_owned()),
        created_at: Set(now_ms),
        decided_at: Set((status != SubscriptionStatus::Pending).then_some(now_ms)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// The active subscription of `app` to any serving version of `product`, if any.
pub async fn active_subscription(
    db: &impl ConnectionTrait,
    app: AppId,
    product: vdx_core::ProductId,
) -> Result<Option<subscription::Model>, CatalogError> {
    let versions: Vec<ProductVersionId> = product_version::Entity::find()
        .filter(product_version::Column::ProductId.eq(product))
        .all(db)
        .await?
        .into_iter()
        .map(|v| v.id)
        .collect();
    Ok(subscription::Entity::find()
        .filter(subscription::Column::AppId.eq(app))
        .filter(subscription::Column::Status.eq(SubscriptionStatus::Active.as_str()))
        .filter(subscription::Column::ProductVersionId.is_in(versions))
        .one(db)
        .await?)
}

/// Every scope the app may be issued: `read:`/`command:` of each product it has
/// an active subscription to (command only where the version has commands),
/// plus the OEM's direct grants.
pub async fn allowed_scopes(
    db: &impl ConnectionTrait,
    app: &app::Model,
) -> Result<ScopeSet, CatalogError> {
    let mut scopes: Vec<Scope> = ScopeSet::parse(&app.direct_scopes)?
        .iter()
        .cloned()
        .collect();
    let subscriptions = subscription::Entity::find()
        .filter(subscription::Column::AppId.eq(app.id))
        .filter(subscription::Column::Status.eq(SubscriptionStatus::Active.as_str()))
        .all(db)
        .await?;
    for sub in subscriptions {
        let Some(version) = product_version::Entity::find_by_id(sub.product_version_id)
            .one(db)
            .await?
        else {
            continue;
        };
        let Some(product) = product::Entity::find_by_id(version.product_id)
            .one(db)
            .await?
        else {
            continue;
        };
        let slug = vdx_core::ProductSlug::parse(&product.slug)?;
        if version.commands != "[]" {
            scopes.push(Scope::Command(slug.clone()));
        }
        scopes.push(Scope::Read(slug));
    }
    Ok(scopes.into_iter().collect())
}

/// What a driver can share with whom: an app with an active subscription to a serving product version.
#[derive(Debug, Clone)]
pub struct Offer {
    pub app: app::Model,
    pub partner: String,
    pub version: crate::ProductVersion,
}

/// Every current offer, by partner name.
pub async fn offers(db: &impl ConnectionTrait) -> Result<Vec<Offer>, CatalogError> {
    let subs = subscription::Entity::find()
        .filter(subscription::Column::Status.eq(SubscriptionStatus::Active.as_str()))
        .all(db)
        .await?;
    let mut out = Vec::new();
    for sub in subs {
        let Some(app) = app::Entity::find_by_id(sub.app_id).one(db).await? else {
            continue;
        };
        let Some(partner) = partner::Entity::find_by_id(app.partner_id).one(db).await? else {
            continue;
        };
        let Some(version) = crate::product::version_by_id(db, sub.product_version_id).await? else {
            continue;
        };
        if version.status.serves() {
            out.push(Offer {
                app,
                partner: partner.name,
                version,
            });
        }
    }
    out.sort_by(|a, b| {
        (a.partner.as_str(), a.version.slug.as_str())
            .cmp(&(b.partner.as_str(), b.version.slug.as_str()))
    });
    Ok(out)
}
