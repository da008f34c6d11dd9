//! What `--quiet` prints: the ids of an answer, one a line (for a list, each item's),
//! so that a script can keep them: `ORDER=$(mw buy … -q)`.

use super::{RfqAndQuotes, Statement};
use megawatt_api::{
    BalanceView, BookView, ClockView, ContractView, FacilityView, FeesView, InvoiceView, KeyView,
    MeView, ModelView, OrderView, Page, ParticipantView, PlacedView, QuoteView, ReservationView,
    RfqView, TradeView, TransferView,
};
use megawatt_api::{
    CandlesView, ContractUsage, CurveView, DeliveryTermsView, DepthView, IndexView, KeyInfoView,
    MonthCloseView, SearchView, UsageAccepted, UtilizationView,
};
use megawatt_api::{EventType, Webhook, WebhookAttempt, WebhookCreated};

/// An answer's ids.
pub trait Ids {
    /// The ids, in the answer's order (none for an answer that has none).
    fn ids(&self) -> Vec<String>;
}

impl<T: Ids> Ids for Page<T> {
    fn ids(&self) -> Vec<String> {
        self.items.iter().flat_map(Ids::ids).collect()
    }
}

impl<T: Ids> Ids for Vec<T> {
    fn ids(&self) -> Vec<String> {
        self.iter().flat_map(Ids::ids).collect()
    }
}

impl Ids for megawatt_api::PlanView {
    fn ids(&self) -> Vec<String> {
        vec![self.participant.clone()]
    }
}

impl Ids for megawatt_api::PositionView {
    fn ids(&self) -> Vec<String> {
        self.participant.iter().cloned().collect()
    }
}

impl Ids for megawatt_api::ContractPositionsPage {
    fn ids(&self) -> Vec<String> {
        self.contracts.iter().map(|c| c.contract.clone()).collect()
    }
}

impl Ids for megawatt_api::ExposuresView {
    fn ids(&self) -> Vec<String> {
        let pairs = self
            .largest
            .iter()
            .map(|p| format!("{} {}", p.creditor, p.debtor));
        let each = self.to_buyers.iter().chain(&self.to_providers);
        each.map(|e| e.counterparty.clone()).chain(pairs).collect()
    }
}

/// Answers whose id is one field.
macro_rules! id_field {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {
        $(impl Ids for $t {
            fn ids(&self) -> Vec<String> {
                let $v = self;
                vec![$e.to_string()]
            }
        })*
    };
}

id_field! {
    ParticipantView => |v| v.id,
    KeyView => |v| v.key,
    KeyInfoView => |v| v.prefix,
    FacilityView => |v| v.id,
    ReservationView => |v| v.id,
    PlacedView => |v| v.order.id,
    OrderView => |v| v.id,
    TradeView => |v| v.id,
    ContractView => |v| v.id,
    RfqView => |v| v.id,
    megawatt_api::ProcurementView => |v| v.id,
    megawatt_api::ProcurementDetail => |v| v.procurement.id,
    QuoteView => |v| v.id,
    BalanceView => |v| v.participant,
    InvoiceView => |v| v.id,
    TransferView => |v| v.id,
    ClockView => |v| v.hour,
    ModelView => |v| v.id,
    MeView => |v| v.participant.id,
    Webhook => |v| v.id,
    WebhookCreated => |v| v.webhook.id,
    WebhookAttempt => |v| v.event,
    EventType => |v| v.name,
    ContractUsage => |v| v.contract,
    megawatt_api::ExitCostView => |v| v.contract,
}

/// Answers with no id of their own.
macro_rules! no_id {
    ($($t:ty),*) => {
        $(impl Ids for $t {
            fn ids(&self) -> Vec<String> {
                Vec::new()
            }
        })*
    };
}

no_id!(
    BookView,
    CandlesView,
    CurveView,
    DepthView,
    IndexView,
    SearchView,
    FeesView,
    Statement,
    UsageAccepted,
    DeliveryTermsView,
    MonthCloseView,
    UtilizationView
);

impl Ids for RfqAndQuotes {
    /// The quotes' ids: what a buyer goes on to accept.
    fn ids(&self) -> Vec<String> {
        self.quotes.ids()
    }
}

impl Ids for megawatt_api::StoredPlanView {
    fn ids(&self) -> Vec<String> {
        vec![self.id.clone()]
    }
}

impl Ids for megawatt_api::PlanAppliedView {
    fn ids(&self) -> Vec<String> {
        self.orders
            .iter()
            .filter_map(|o| o.placed.clone())
            .collect()
    }
}
