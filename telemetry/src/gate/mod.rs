//! The partner gate: the one way partner-facing code reaches vehicle data,
//! commands and consents. It owns steps 2 to 6 of the request path:
//!
//! 1. **decide**: the consent decision for every access a request names
//!    ([`vdx_consent::decide`], remembered per policy epoch);
//! 2. **charge**: the request's whole cost, before anything is served, to
//!    every subscription it touches and every vehicle it reads
//!    ([`limits::RateLimits`]); when any charge fails nothing is served;
//! 3. **authorize**: the fields a read grant allows;
//! 4. **serve**: the store read or the command, with the product's terms
//!    applied to the stored values;
//! 5. **record**: the access-log record, through the group-commit writer,
//!    committed before the caller gets the data.
//!
//! [`PartnerGate::admit`] does 1 and 2 and returns an [`Admission`]; only it
//! makes the [`Charged`] grants that the serving methods take, and the store
//! functions behind them are private to this crate. A handler that skips the
//! gate has nothing to pass and no store to call, so it does not compile.
//! The principal's driver binding (tokens from the authorization-code flow
//! reach only that driver's consents) is applied here for every access,
//! consents included. Knows nothing of HTTP.
//!
//! The one way in compiles:
//!
//! ```no_run
//! # async fn handler(gate: &vdx_telemetry::gate::PartnerGate, ctx: &vdx_telemetry::gate::RequestContext) -> Result<(), Box<dyn std::error::Error>> {
//! use vdx_telemetry::gate::{Access, Target};
//! let target = Target::parse("VDXE0000000000001", "ev-charging", "smart_charging")?;
//! let admission = gate.admit(ctx, &[Access::Read(target.clone())], 1).await??;
//! let snapshot = gate.latest(ctx, admission.read(&target)?, None).await?;
//! # let _ = snapshot; Ok(()) }
//! ```
//!
//! A handler reading `signal_latest` itself does not (the entity module is
//! private to this crate):
//!
//! ```compile_fail,E0603
//! # async fn handler(db: &sea_orm::DatabaseConnection) {
//! use sea_orm::EntityTrait;
//! let rows = vdx_telemetry::entity::signal_latest::Entity::find().all(db).await;
//! # }
//! ```
//!
//! nor does one calling the store read with a grant it got from the consent
//! decision alone, skipping the charge (the store read is private too):
//!
//! ```compile_fail,E0603
//! # async fn handler(db: &sea_orm::DatabaseConnection, grant: vdx_consent::Grant<vdx_consent::Read>, log: &vdx_consent::access_log::AccessLogWriter) {
//! let fields = grant.authorize(None);
//! let values = vdx_telemetry::read::latest(db, log, &fields, "req", 0).await;
//! # }
//! ```
//!
//! nor one that makes its own charged grant:
//!
//! ```compile_fail,E0451
//! # fn forge(grant: vdx_consent::Grant<vdx_consent::Read>) {
//! let charged = vdx_telemetry::gate::Charged { grant };
//! # }
//! ```

pub mod consents;
pub mod feed;
pub mod limits;

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::DatabaseConnection;
use vdx_consent::access_log::AccessLogWriter;
use vdx_consent::{Action, Command, DecisionCache, Denial, Grant, PolicyWatch, Read};
use vdx_core::{Principal, ProductSlug, Purpose, SignalPath, Vin};

use crate::commands::{CommandView, NewCommand};
use crate::history::{HistoryPage, HistoryQuery};
use crate::latest::LatestCache;
use crate::{SignalValue, TelemetryError};
pub use limits::{Limited, RateHeaders, RateLimits};

/// Everything a partner request carries into the gate: who, which request,
/// what time it is, and the policy epoch read at authentication.
#[derive(Debug, Clone)]
pub struct RequestContext {
    principal: Principal,
    request_id: String,
    now_ms: i64,
    epoch: i64,
    epoch_read_at: std::time::Instant,
}

impl RequestContext {
    /// `epoch` is the policy epoch read (at `epoch_read_at`) when the request
    /// was authenticated; `now_ms` the request's wall-clock time.
    pub fn new(
        principal: Principal,
        request_id: String,
        now_ms: i64,
        epoch: i64,
        epoch_read_at: std::time::Instant,
    ) -> Self {
        Self {
            principal,
            request_id,
            now_ms,
            epoch,
            epoch_read_at,
        }
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }
}

/// The vehicle, product and purpose an access names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub vin: Vin,
    pub product: ProductSlug,
    pub purpose: Purpose,
}

impl Target {
    /// Parses the raw identifiers of a partner request.
    pub fn parse(vin: &str, product: &str, purpose: &str) -> Result<Self, vdx_core::ParseError> {
        Ok(Self {
            vin: Vin::parse(vin)?,
            product: ProductSlug::parse(product)?,
            purpose: Purpose::parse(purpose)?,
        })
    }
}

/// One access a request names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Access {
    /// Reading the vehicle's signals (latest or history).
    Read(Target),
    /// Sending the vehicle a command.
    Command(Target),
    /// Reading the status of one of the app's commands, by id.
    CommandStatus(String),
}

/// A grant whose request has been charged. Only [`PartnerGate::admit`] makes one.
#[derive(Debug, Clone)]
pub struct Charged<A: Action> {
    grant: Grant<A>,
}

impl<A: Action> Charged<A> {
    /// The product version the grant serves (for lifecycle headers).
    pub fn product(&self) -> &vdx_catalog::ProductVersion {
        self.grant.product()
    }

    pub fn vin(&self) -> &Vin {
        self.grant.vin()
    }

    pub fn purpose(&self) -> &Purpose {
        self.grant.purpose()
    }
}

/// A charged command-status read: the command and the grant it is read under.
#[derive(Debug, Clone)]
pub struct ChargedStatus {
    grant: Grant<Command>,
    id: i64,
}

/// The outcome of [`PartnerGate::admit`] for each access of a request: a
/// charged grant, or the denial to answer with.
#[derive(Debug, Default)]
pub struct Admission {
    reads: HashMap<Target, Result<Charged<Read>, Denial>>,
    commands: HashMap<Target, Result<Charged<Command>, Denial>>,
    statuses: HashMap<String, Option<ChargedStatus>>,
    headers: Option<RateHeaders>,
}

/// Why an admitted request has no grant for an access it asks to serve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    Denied(Denial),
    /// The access was not named when the request was admitted: a bug in the
    /// caller, refused rather than served uncharged.
    #[error("this access was not admitted with its request")]
    NotAdmitted,
}

impl Admission {
    /// The charged read grant for `target`, or why there is none.
    pub fn read(&self, target: &Target) -> Result<&Charged<Read>, Refusal> {
        match self.reads.get(target) {
            Some(Ok(charged)) => Ok(charged),
            Some(Err(denial)) => Err(Refusal::Denied(denial.clone())),
            None => Err(Refusal::NotAdmitted),
        }
    }

    /// The charged command grant for `target`, or why there is none.
    pub fn command(&self, target: &Target) -> Result<&Charged<Command>, Refusal> {
        match self.commands.get(target) {
            Some(Ok(charged)) => Ok(charged),
            Some(Err(denial)) => Err(Refusal::Denied(denial.clone())),
            None => Err(Refusal::NotAdmitted),
        }
    }

    /// The charged status read of command `id`: `Ok(None)` when the id is
    /// unknown, another app's, or no longer consented (one answer for all).
    pub fn command_status(&self, id: &str) -> Result<Option<&ChargedStatus>, Refusal> {
        match self.statuses.get(id) {
            Some(status) => Ok(status.as_ref()),
            None => Err(Refusal::NotAdmitted),
        }
    }

    /// The RateLimit headers of the charge, if anything was charged.
    pub fn rate_headers(&self) -> Option<&RateHeaders> {
        self.headers.as_ref()
    }
}

/// The latest values a partner may see, and what it asked for but may not.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub values: Vec<SignalValue>,
    pub withheld: Vec<SignalPath>,
}

/// A page of one signal's history, or the path withheld.
#[derive(Debug, Clone)]
pub struct History {
    pub page: HistoryPage,
    pub withheld: Vec<SignalPath>,
}

/// The partner gate of one gateway process.
#[derive(Debug, Clone)]
pub struct PartnerGate {
    db: DatabaseConnection,
    decisions: Arc<DecisionCache>,
    limits: Arc<RateLimits>,
    log: AccessLogWriter,
    policy: PolicyWatch,
    latest: LatestCache,
}

impl PartnerGate {
    /// A gate over `db`, with a fresh decision cache, limiter state and
    /// latest-values cache (of at most `latest_bytes`), and an access-log
    /// writer and (on PostgreSQL) the change feed started on the current runtime.
    pub fn new(db: DatabaseConnection, latest_bytes: u64) -> Self {
        let policy = PolicyWatch::for_database(&db);
        let latest = LatestCache::new(&db, latest_bytes);
        feed::start(&db, &policy, &latest);
        Self {
            log: AccessLogWriter::start(db.clone()),
            db,
            decisions: Arc::new(DecisionCache::default()),
            limits: Arc::new(RateLimits::default()),
            policy,
            latest,
        }
    }

    /// Where requests read the policy epoch (shared with token verification).
    pub fn policy(&self) -> &PolicyWatch {
        &self.policy
    }

    /// The latest-values cache, which the ingest of this process updates.
    pub fn latest_cache(&self) -> &LatestCache {
        &self.latest
    }

    /// The limiter state (for the periodic sweep and metrics).
    pub fn limits(&self) -> &RateLimits {
        &self.limits
    }

    /// Decisions remembered (for tests and metrics).
    pub fn decisions(&self) -> &DecisionCache {
        &self.decisions
    }

    /// The epoch a decision of this request may use: the one taken at
    /// authentication while it is fresh, else the watch's now.
    async fn epoch(&self, ctx: &RequestContext) -> Result<i64, TelemetryError> {
        if ctx.epoch_read_at.elapsed() <= vdx_consent::REQUEST_EPOCH_MAX_AGE {
            Ok(ctx.epoch)
        } else {
            Ok(self.policy.current(&self.db).await?)
        }
    }

    /// Decides action `A` on `target` once per request: the answer goes
    /// into `decided`, and a grant onto the bill.
    async fn decide_once<A: Action>(
        &self,
        ctx: &RequestContext,
        epoch: i64,
        target: &Target,
        decided: &mut HashMap<Target, Result<Charged<A>, Denial>>,
        bill: &mut limits::Bill,
    ) -> Result<(), TelemetryError> {
        if decided.contains_key(target) {
            return Ok(());
        }
        let decision = self.decide::<A>(ctx, epoch, target).await?;
        if let Ok(grant) = &decision {
            bill.add(grant);
        }
        decided.insert(target.clone(), decision.map(|grant| Charged { grant }));
        Ok(())
    }

    async fn decide<A: Action>(
        &self,
        ctx: &RequestContext,
        epoch: i64,
        target: &Target,
    ) -> Result<Result<Grant<A>, Denial>, TelemetryError> {
        match vdx_consent::decide::<A>(
            &self.decisions,
            &self.db,
            &ctx.principal,
            &target.vin,
            &target.product,
            &target.purpose,
            epoch,
            ctx.now_ms,
        )
        .await
        {
            Ok(grant) => Ok(Ok(grant)),
            Err(vdx_consent::ConsentError::Denied(denial)) => Ok(Err(denial)),
            Err(e) => Err(e.into()),
        }
    }

    /// Steps decide and charge for every access of one request. `cost` is
    /// what the request costs each subscription it touches (1 for REST, the
    /// complexity of a GraphQL document); every vehicle it reads or commands
    /// also spends one call of its per-vehicle budget. Denied accesses cost
    /// nothing. `Ok(Err(limited))` when any charge fails: then nothing was
    /// charged to the quotas and nothing may be served.
    #[tracing::instrument(skip_all, fields(
        request_id = %ctx.request_id,
        app = %ctx.principal.app().client_id,
        vehicle = tracing::field::Empty,
        product = tracing::field::Empty,
        accesses = accesses.len(),
        cost,
    ))]
    pub async fn admit(
        &self,
        ctx: &RequestContext,
        accesses: &[Access],
        cost: u32,
    ) -> Result<Result<Admission, Limited>, TelemetryError> {
        // The first vehicle access names the span's vehicle and product (a
        // GraphQL document may name more; `accesses` counts them).
        if let Some(Access::Read(target) | Access::Command(target)) = accesses
            .iter()
            .find(|a| matches!(a, Access::Read(_) | Access::Command(_)))
        {
            let span = tracing::Span::current();
            span.record("vehicle", target.vin.as_str());
            span.record("product", target.product.as_str());
        }
        let epoch = self.epoch(ctx).await?;
        let mut admission = Admission::default();
        let mut bill = limits::Bill::default();
        for access in accesses {
            match access {
                Access::Read(target) => {
                    self.decide_once(ctx, epoch, target, &mut admission.reads, &mut bill)
                        .await?;
                }
                Access::Command(target) => {
                    self.decide_once(ctx, epoch, target, &mut admission.commands, &mut bill)
                        .await?;
                }
                Access::CommandStatus(raw) if !admission.statuses.contains_key(raw) => {
                    let status = self.status_grant(ctx, epoch, raw).await?;
                    if let Some(s) = &status {
                        bill.add(&s.grant);
                    }
                    admission.statuses.insert(raw.clone(), status);
                }
                Access::CommandStatus(_) => {}
            }
        }
        if bill.subscriptions.is_empty() {
            return Ok(Ok(admission));
        }
        match self
            .limits
            .charge(&self.db, &bill, cost, ctx.now_ms)
            .await?
        {
            Ok(headers) => {
                admission.headers = headers;
                Ok(Ok(admission))
            }
            Err(limited) => Ok(Err(limited)),
        }
    }

    /// The command grant to read command `raw`'s status under: the vehicle,
    /// product and purpose it was sent under, decided afresh. `None` when the
    /// id is unknown, another app's, or no longer consented.
    async fn status_grant(
        &self,
        ctx: &RequestContext,
        epoch: i64,
        raw: &str,
    ) -> Result<Option<ChargedStatus>, TelemetryError> {
        let Ok(id) = raw.parse::<i64>() else {
            return Ok(None);
        };
        let Some(target) =
            crate::commands::target(&self.db, ctx.principal.app().app_id, id).await?
        else {
            return Ok(None);
        };
        let target = Target {
            vin: target.vin,
            product: target.product,
            purpose: target.purpose,
        };
        Ok(self
            .decide::<Command>(ctx, epoch, &target)
            .await?
            .ok()
            .map(|grant| ChargedStatus { grant, id }))
    }

    /// Authorize, serve, record: the latest values of the charged vehicle,
    /// narrowed to `paths` (all of the product's signals if `None`).
    pub async fn latest(
        &self,
        ctx: &RequestContext,
        charged: &Charged<Read>,
        paths: Option<Vec<SignalPath>>,
    ) -> Result<Snapshot, TelemetryError> {
        let fields = charged.grant.clone().authorize(paths);
        let values = crate::read::latest(
            &self.db,
            &self.latest,
            &self.log,
            &fields,
            &ctx.request_id,
            ctx.now_ms,
        )
        .await?;
        Ok(Snapshot {
            values,
            withheld: fields.withheld().to_vec(),
        })
    }

    /// Authorize, serve, record: a page of one signal's history.
    pub async fn history(
        &self,
        ctx: &RequestContext,
        charged: &Charged<Read>,
        query: &HistoryQuery,
    ) -> Result<History, TelemetryError> {
        crate::history::check(query).map_err(TelemetryError::Invalid)?;
        let fields = charged
            .grant
            .clone()
            .authorize(Some(vec![query.path.clone()]));
        let page = crate::history::history(
            &self.db,
            &self.log,
            &fields,
            query,
            &ctx.request_id,
            ctx.now_ms,
        )
        .await?;
        Ok(History {
            page: page.unwrap_or(HistoryPage {
                values: Vec::new(),
                next_cursor: None,
            }),
            withheld: fields.withheld().to_vec(),
        })
    }

    /// Serve, record: enqueues a command (its access-log record is written in
    /// the command's own transaction); `replayed` when an Idempotency-Key
    /// named an earlier, identical command.
    pub async fn send_command(
        &self,
        ctx: &RequestContext,
        charged: &Charged<Command>,
        new: &NewCommand,
    ) -> Result<(CommandView, bool), TelemetryError> {
        crate::commands::enqueue(&self.db, &charged.grant, new, &ctx.request_id, ctx.now_ms).await
    }

    /// Serve, record: a command's status (access-logged as `command_status`).
    pub async fn command_status(
        &self,
        ctx: &RequestContext,
        charged: &ChargedStatus,
    ) -> Result<Option<CommandView>, TelemetryError> {
        crate::commands::status(
            &self.db,
            &self.log,
            &charged.grant,
            charged.id,
            &ctx.request_id,
            ctx.now_ms,
        )
        .await
    }
}
