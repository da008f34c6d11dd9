//! The rows of the query tables as structs, one per table. A struct's fields are its
//! table's columns, named and ordered as the schema has them: the column list of each
//! table ([`Table::columns`]) is generated from its struct's field names, and
//! `every_row_struct_matches_its_table` compares each list with the schema of a new and
//! of a migrated store, on both backends. Writers name the columns they insert, so no
//! value is placed by position.

use crate::schema::Table;

/// One column value, typed so that both backends bind it exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    /// An integer (booleans are 0 or 1), or NULL.
    I(Option<i64>),
    /// Text, or NULL.
    T(Option<String>),
    /// Bytes.
    B(Vec<u8>),
}

impl<T: Column> From<T> for Val {
    fn from(v: T) -> Val {
        v.val()
    }
}

/// The position of column `name` in `columns`, at compile time (a name that is not
/// there does not compile): for the columns that later events change on the hot path.
pub const fn position(columns: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < columns.len() {
        let (a, b) = (columns[i].as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("no such column")
}

impl Table {
    /// Its columns, in the schema's order (its row struct's fields).
    pub fn columns(self) -> &'static [&'static str] {
        columns(self)
    }

    /// The position of column `name`.
    pub fn column(self, name: &str) -> usize {
        self.columns()
            .iter()
            .position(|c| *c == name)
            .unwrap_or_else(|| panic!("{} has no column {name}", self.name()))
    }

    /// The name of the column at position `i`.
    pub fn column_name(self, i: usize) -> &'static str {
        self.columns()[i]
    }

    /// The key of a table whose rows a later row with the same key replaces (a
    /// correction): written `ON CONFLICT (key) DO UPDATE` the other columns.
    pub fn replaced_on(self) -> Option<&'static [&'static str]> {
        match self {
            Table::UsageReports => Some(&["contract", "line", "hour", "side"]),
            _ => None,
        }
    }

    /// Whether later events change its rows (by the id in its first column).
    pub fn is_updated(self) -> bool {
        matches!(
            self,
            Table::Participants
                | Table::Reservations
                | Table::Orders
                | Table::Contracts
                | Table::Rfqs
                | Table::Quotes
                | Table::Invoices
                | Table::Procurements
                | Table::Plans
        )
    }
}

/// A row of one query table.
pub trait Row {
    /// Its table.
    const TABLE: Table;
    /// Its columns, in the schema's order (the struct's field names).
    const COLUMNS: &'static [&'static str];
    /// Its values, in [`Row::COLUMNS`] order.
    fn values(self) -> Vec<Val>;
}

/// A value as one column holds it: an integer (booleans are 0 or 1), text, or NULL.
pub trait Column {
    /// The value.
    fn val(self) -> Val;
}

macro_rules! integer_column {
    ($($t:ty),*) => {$(
        impl Column for $t {
            fn val(self) -> Val {
                Val::I(Some(i64::try_from(self).expect("stored integers fit in i64")))
            }
        }
        impl Column for Option<$t> {
            fn val(self) -> Val {
                Val::I(self.map(|v| i64::try_from(v).expect("stored integers fit in i64")))
            }
        }
    )*};
}
integer_column!(u16, u32, u64, i64, usize);

impl Column for bool {
    fn val(self) -> Val {
        Val::I(Some(i64::from(self)))
    }
}

impl Column for Option<bool> {
    fn val(self) -> Val {
        Val::I(self.map(i64::from))
    }
}

impl Column for String {
    fn val(self) -> Val {
        Val::T(Some(self))
    }
}

impl Column for &str {
    fn val(self) -> Val {
        Val::T(Some(self.to_string()))
    }
}

impl Column for Option<String> {
    fn val(self) -> Val {
        Val::T(self)
    }
}

/// Declares a row struct of `$table` whose fields are the table's columns.
macro_rules! rows {
    ($(
        $(#[$m:meta])*
        $name:ident => $table:ident { $($field:ident : $ty:ty),* $(,)? }
    )*) => {
        $(
            $(#[$m])*
            #[derive(Clone, Debug, PartialEq, Eq)]
            #[allow(missing_docs)]
            pub struct $name { $(pub $field: $ty),* }

            impl Row for $name {
                const TABLE: Table = Table::$table;
                const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];
                fn values(self) -> Vec<Val> {
                    vec![$(Column::val(self.$field)),*]
                }
            }
        )*

        /// The columns of `table`, in the schema's order.
        pub fn columns(table: Table) -> &'static [&'static str] {
            match table {
                $(Table::$table => <$name as Row>::COLUMNS,)*
            }
        }
    };
}

rows! {
    /// `participants`: who is admitted, with which roles and credit limit.
    Participant => Participants {
        id: u64, name: String, provider: bool, buyer: bool, operator: bool,
        created_ms: u64, credit_limit_micros: i64,
    }
    /// `models`: the GPU catalog by index.
    Model => Models { idx: u64, id: String, name: String, watts_per_gpu: u32 }
    /// `facilities`.
    Facility => Facilities {
        id: u64, owner: u64, name: String, region: String, power_kw: u64, created_ms: u64,
    }
    /// `pools`: one per model of a facility.
    Pool => Pools { id: u64, facility: u64, model: String, gpus: u32 }
    /// `reservations`.
    Reservation => Reservations {
        id: u64, pool: u64, owner: u64, gpus: u32, start_hour: u32, end_hour: u32,
        start_at: String, end_at: String, status: String,
    }
    /// `orders`: every order ever placed.
    Order => Orders {
        id: u64, owner: u64, side: String, model: String, pool: Option<u64>,
        region: Option<String>, facility: Option<u64>, gpus: u32, start_hour: u32,
        end_hour: u32, start_at: String, end_at: String, price_micros: i64, tif: String,
        gtd_until_hour: Option<u32>, min_fill_gpus: Option<u32>, colocate: Option<bool>,
        partial: Option<bool>, filled_gpu_hours: i64, status: String, placed_ms: u64,
        closed_seq: Option<u64>, contract: Option<u64>, contract_line: Option<u16>,
        min_reliability_bps: Option<u16>, procurement: Option<u64>, plan: Option<u64>,
    }
    /// `trades`: every fill.
    Trade => Trades {
        id: u64, bid: u64, ask: u64, buyer: u64, seller: u64, pool: u64, model: String,
        gpus: u32, start_hour: u32, end_hour: u32, start_at: String, end_at: String,
        price_micros: i64, aggressor: String, contract: u64, time_ms: u64,
    }
    /// `contracts`.
    Contract => Contracts {
        id: u64, buyer: u64, seller: u64, pricing: String, price_micros: Option<i64>,
        monthly_fee_micros: Option<i64>, start_hour: u32, end_hour: u32, start_at: String,
        end_at: String, buyer_notice_hours: Option<u32>, seller_notice_hours: Option<u32>,
        early_termination_fee_micros: i64, origin_trade: Option<u64>, status: String,
        created_ms: u64, origin_quote: Option<u64>, parent: Option<u64>,
        parent_line: Option<u16>, ends_hour: u32, ends_at: String, for_cause_allowed: String,
        notice_by: Option<u64>, notice_ms: Option<u64>, notice_effective_hour: Option<u32>,
        notice_fee_micros: Option<i64>, notice_via_parent: Option<u64>, cause: Option<String>,
        cause_by: Option<u64>, cause_reason: Option<String>, cause_ms: Option<u64>,
        payment_days: u16, delivery_target_bps: u16, delivery_unreported: String,
        delivery_pro_rata: bool, delivery_tiers: String,
    }
    /// `contract_lines`.
    ContractLine => ContractLines {
        contract: u64, line: usize, pool: u64, gpus: u32, start_hour: u32, end_hour: u32,
    }
    /// `rfqs`.
    Rfq => Rfqs {
        id: u64, buyer: u64, kind: String, power_kw: Option<u64>, min_power_kw: Option<u64>,
        start_hour: u32, end_hour: u32, start_at: String, end_at: String,
        region: Option<String>, facility: Option<u64>, max_buyer_notice_hours: Option<u32>,
        min_seller_notice_hours: Option<u32>, max_early_termination_fee_micros: Option<i64>,
        required_causes: String, deadline_hour: u32, deadline_at: String, status: String,
        accepted_quote: Option<u64>, created_ms: u64, closed_seq: Option<u64>,
        min_payment_days: Option<u16>,
    }
    /// `rfq_items`: GPUs asked per model.
    RfqItem => RfqItems { rfq: u64, model: String, gpus: u32 }
    /// `rfq_invited`: providers invited.
    RfqInvited => RfqInvited { rfq: u64, participant: u64 }
    /// `quotes`.
    Quote => Quotes {
        id: u64, rfq: u64, provider: u64, facility: u64, pricing: String,
        price_micros: Option<i64>, monthly_fee_micros: Option<i64>,
        buyer_notice_hours: Option<u32>, seller_notice_hours: Option<u32>,
        early_termination_fee_micros: i64, for_cause_allowed: String, expires_hour: u32,
        expires_at: String, status: String, created_ms: u64, closed_seq: Option<u64>,
        payment_days: u16, delivery_target_bps: u16, delivery_unreported: String,
        delivery_pro_rata: bool, delivery_tiers: String,
    }
    /// `quote_lines`.
    QuoteLine => QuoteLines {
        quote: u64, line: usize, pool: u64, gpus: u32, start_hour: u32, end_hour: u32,
    }
    /// `transfers`: every movement of money.
    Transfer => Transfers {
        id: u64, debit: String, credit: String, amount_micros: i64, kind: String,
        reference: String, time_ms: u64, seq: u64,
    }
    /// `invoices`.
    Invoice => Invoices {
        id: u64, contract: u64, payer: u64, payee: u64, charge: String,
        period_start_hour: u32, period_end_hour: u32, period_start_at: String,
        period_end_at: String, amount_micros: i64, issued_ms: u64, due_hour: u32,
        due_at: String, status: String, paid_seq: Option<u64>,
    }
    /// `invoice_lines`: each contract line's share of an invoice.
    InvoiceLine => InvoiceLines {
        invoice: u64, line_no: usize, contract_line: Option<u16>, pool: u64, gpus: u32,
        gpu_hours: Option<u64>, amount_micros: i64,
    }
    /// `delivery_credits`: each month's credit of a contract for hours not delivered,
    /// with its evidence.
    DeliveryCredit => DeliveryCredits {
        invoice: u64, contract: u64, period_start_hour: u32, period_end_hour: u32,
        contracted_gpu_hours: u64, delivered_gpu_hours: u64, unreported_gpu_hours: u64,
        availability_bps: u16, charge_micros: i64, pro_rata_micros: i64, tier_micros: i64,
        credit_micros: i64, seq: u64,
    }
    /// `usage_reports`: the latest report of each contract line, hour and side.
    UsageReport => UsageReports {
        contract: u64, line: u16, hour: u32, side: String, gpus: u32,
        energy_wh: Option<u64>, seq: u64,
    }
    /// `index_values`: every value of the index a tick published (or withheld, saying why).
    IndexValueRow => IndexValues {
        model: String, region: Option<String>, span: String, at_hour: u32, at: String,
        version: u16, price_micros: Option<i64>, unpublished: Option<String>, prints: u32,
        gpu_hours: u64, sellers: u32, through_trade: u64, seq: u64,
    }
    /// `curves`: each forward curve a tick published (no points: withdrawn).
    CurveRow => Curves {
        model: String, at_hour: u32, at: String, version: u16, points: usize, seq: u64,
    }
    /// `curve_points`: a curve's points, weeks then months.
    CurvePointRow => CurvePoints {
        model: String, at_hour: u32, kind: String, period_start_hour: u32,
        period_end_hour: u32, period_start_at: String, period_end_at: String,
        price_micros: i64, source: String, prints: u32, gpu_hours: u64,
        best_bid_micros: Option<i64>, best_ask_micros: Option<i64>,
    }
    /// `procurements`: every standing procurement, with its status (`active`, `paused`,
    /// `completed`, `cancelled`).
    ProcurementRow => Procurements {
        id: u64, owner: u64, model: String, region: Option<String>, gpus: u32,
        start_hour: u32, end_hour: u32, start_at: String, end_at: String,
        lookahead_hours: u32, block_hours: u32, limit_price_micros: i64, status: String,
        created_ms: u64, ended_seq: Option<u64>,
    }
    /// `plans`: every stored capacity plan, and when it was applied.
    PlanRow => Plans {
        id: u64, owner: u64, period: String, limit_price_micros: Option<i64>, rows: usize,
        uploaded_ms: u64, seq: u64, applied_ms: Option<u64>, applied_seq: Option<u64>,
    }
    /// `plan_rows`: a plan's demand, a model's GPUs in one period each.
    PlanDemandRow => PlanRows {
        plan: u64, row_index: usize, model: String, start_hour: u32, start_at: String,
        gpus: u32,
    }
    /// `plan_orders`: each order an apply placed (`order_id`) or refused (`rule`,
    /// `field`, `detail`); an ask's model is its pool's or contract line's.
    PlanOrderRow => PlanOrders {
        plan: u64, order_index: usize, side: String, model: Option<String>,
        pool: Option<u64>, contract: Option<u64>, contract_line: Option<u16>, gpus: u32,
        start_hour: u32, end_hour: u32, price_micros: i64, order_id: Option<u64>,
        rule: Option<String>, field: Option<String>, detail: Option<String>,
    }
}
