//! The store's contract, checked on both backends (a temporary SQLite file, a scratch
//! PostgreSQL database): the journal round-trips and a damaged record is named;
//! snapshots are kept two deep and a damaged one is skipped; idempotency answers live
//! their time and are forgotten; an old schema is migrated on open.

use megawatt_engine::command::{Command, Envelope};
use megawatt_engine::entities::Roles;
use megawatt_engine::{Engine, OPERATOR};
use megawatt_store::pg::{IfLocked, ScratchDb};
use megawatt_store::schema::SCHEMA_V1;
use megawatt_store::tables::{SCHEMA_VERSION, Table, pg_sql};
use megawatt_store::{
    Applied, Batch, IdempotencyRecord, Location, OpenOptions, Outcome, Snapshot, Store,
};

/// A new store of one backend, and a way to change it behind the writer's back.
struct TestStore {
    location: Location,
    _dir: tempfile::TempDir,
    _db: Option<ScratchDb>,
}

impl TestStore {
    fn sqlite() -> TestStore {
        let dir = tempfile::tempdir().unwrap();
        TestStore {
            location: Location::Sqlite(dir.path().join("mw.db")),
            _dir: dir,
            _db: None,
        }
    }

    fn postgres() -> Option<TestStore> {
        let Some(base) = megawatt_store::pg::test_base_url() else {
            eprintln!("skipped on PostgreSQL: MW_TEST_DATABASE_URL=skip");
            return None;
        };
        let db = ScratchDb::create(&base, "mw_store").unwrap_or_else(|e| {
            panic!("PostgreSQL for tests is unreachable ({e}); set MW_TEST_DATABASE_URL, or MW_TEST_DATABASE_URL=skip")
        });
        Some(TestStore {
            location: Location::Postgres(db.url.clone()),
            _dir: tempfile::tempdir().unwrap(),
            _db: Some(db),
        })
    }

    fn open(&self) -> Box<dyn Store> {
        let options = OpenOptions {
            name: "store test".into(),
            if_locked: IfLocked::Refuse,
            waiting: &mut |_| {},
        };
        megawatt_store::open(&self.location, options).unwrap()
    }

    /// The schema version recorded in the store.
    fn version(&self) -> String {
        self.query_text("SELECT value FROM meta WHERE key = 'schema_version'")
    }

    /// One text value read from the store.
    fn query_text(&self, sql: &str) -> String {
        match &self.location {
            Location::Sqlite(path) => rusqlite::Connection::open(path)
                .unwrap()
                .query_row(sql, [], |r| r.get(0))
                .unwrap(),
            Location::Postgres(url) => ::postgres::Client::connect(url, ::postgres::NoTls)
                .unwrap()
                .query_one(sql, &[])
                .unwrap()
                .get(0),
        }
    }

    /// The columns of `table` in the store, in order.
    fn columns_of(&self, table: &str) -> Vec<String> {
        match &self.location {
            Location::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                let mut stmt = conn
                    .prepare(&format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"))
                    .unwrap();
                stmt.query_map([], |r| r.get(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            }
            Location::Postgres(url) => ::postgres::Client::connect(url, ::postgres::NoTls)
                .unwrap()
                .query(
                    "SELECT column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                    &[&table],
                )
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect(),
        }
    }

    /// Every query table's columns in the store are its row struct's fields, in order.
    fn assert_tables_match_their_row_structs(&self) {
        for table in Table::ALL {
            let want: Vec<String> = table.columns().iter().map(|c| c.to_string()).collect();
            assert_eq!(
                self.columns_of(table.name()),
                want,
                "table {}",
                table.name()
            );
        }
    }

    /// Runs SQL (written for SQLite; translated for PostgreSQL) on the store directly.
    fn tamper(&self, sql: &str) {
        match &self.location {
            Location::Sqlite(path) => rusqlite::Connection::open(path)
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
            Location::Postgres(url) => ::postgres::Client::connect(url, ::postgres::NoTls)
                .unwrap()
                .batch_execute(&pg_sql(sql))
                .unwrap(),
        }
    }
}

/// Runs each test once per backend.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(super::TestStore::sqlite()) } )*
        }
        mod postgres {
            $( #[test] fn $name() { if let Some(s) = super::TestStore::postgres() { super::$name(s) } } )*
        }
    };
}

fn participant(engine: &mut Engine, seq: u64, snapshot: bool) -> Batch {
    let env = Envelope {
        time_ms: seq,
        actor: OPERATOR,
        command: Command::CreateParticipant {
            name: format!("p{seq}"),
            roles: Roles {
                buyer: true,
                ..Roles::default()
            },
        },
    };
    let mut events = Vec::new();
    engine.apply(&env, &mut events).unwrap();
    Batch {
        applied: vec![Applied {
            seq,
            envelope: env,
            events,
        }],
        snapshot: snapshot.then(|| Snapshot {
            seq,
            state: engine.snapshot(),
        }),
        ..Batch::default()
    }
}

fn journal_round_trips_and_a_damaged_record_is_named(t: TestStore) {
    let mut store = t.open();
    let mut engine = Engine::new();
    let batch = participant(&mut engine, 1, false);
    store.commit(&batch.clone().named(&engine)).unwrap();
    let expected = vec![(1, batch.applied[0].envelope.clone())];
    assert_eq!(store.journal(0).unwrap(), expected);
    drop(store);
    t.tamper("UPDATE journal SET checksum = checksum + 1 WHERE seq = 1");
    let err = t.open().journal(0).unwrap_err();
    assert!(err.0.contains("record 1 fails its checksum"), "{err}");
}

fn snapshots_are_kept_two_deep_and_a_damaged_one_is_skipped(t: TestStore) {
    let mut store = t.open();
    let mut engine = Engine::new();
    let mut states = Vec::new();
    for seq in 1..=3 {
        let batch = participant(&mut engine, seq, true);
        states.push(batch.snapshot.clone().unwrap());
        store.commit(&batch.clone().named(&engine)).unwrap();
    }
    let kept: Vec<u64> = store.snapshots().unwrap().iter().map(|s| s.seq).collect();
    assert_eq!(kept, vec![2, 3]);
    assert_eq!(store.snapshots().unwrap().pop(), Some(states[2].clone()));
    t.tamper("UPDATE snapshots SET checksum = checksum + 1 WHERE seq = 3");
    assert_eq!(
        store.snapshots().unwrap().pop(),
        Some(states[1].clone()),
        "falls back to the older one"
    );
    assert_eq!(store.journal(2).unwrap().len(), 1, "the tail after it");
}

fn idempotency_answers_are_kept_for_their_time_to_live_then_forgotten(t: TestStore) {
    let mut store = t.open();
    let engine = Engine::new();
    let record = IdempotencyRecord {
        participant: OPERATOR,
        key: "k".into(),
        request_hash: [7; 32],
        outcome: Outcome::Rejected {
            rule: "zero_gpus".into(),
            field: "gpus".into(),
            detail: "d".into(),
        },
        created_ms: 1_000,
    };
    let batch = Batch {
        idempotency: vec![record.clone()],
        ..Batch::default()
    };
    store.commit(&batch.clone().named(&engine)).unwrap();
    assert_eq!(
        store.idempotency(OPERATOR, "k", 1_000).unwrap(),
        Some(record.clone())
    );
    assert_eq!(
        store.idempotency(OPERATOR, "k", 1_001).unwrap(),
        None,
        "too old to count"
    );
    let forget = |before| Batch {
        forget_idempotency_before: Some(before),
        ..Batch::default()
    };
    store.commit(&forget(999).named(&engine)).unwrap();
    assert_eq!(store.idempotency(OPERATOR, "k", 0).unwrap(), Some(record));
    // An answer written by an older version, in a shape this one cannot decode (an
    // acceptance at journal position 7 whose events end early), is read as unreadable.
    let sql = match &t.location {
        Location::Sqlite(_) => "UPDATE idempotency SET outcome = X'0007ff'",
        Location::Postgres(_) => "UPDATE idempotency SET outcome = decode('0007ff', 'hex')",
    };
    t.tamper(sql);
    let read = store.idempotency(OPERATOR, "k", 0).unwrap().unwrap();
    assert_eq!(read.outcome, Outcome::Unreadable { seq: Some(7) });
    t.tamper(&sql.replace("0007ff", "ff"));
    let read = store.idempotency(OPERATOR, "k", 0).unwrap().unwrap();
    assert_eq!(read.outcome, Outcome::Unreadable { seq: None });
    store.commit(&forget(1_001).named(&engine)).unwrap();
    assert_eq!(
        store.idempotency(OPERATOR, "k", 0).unwrap(),
        None,
        "forgotten"
    );
}

fn a_version_1_store_is_migrated_on_open(t: TestStore) {
    // A store as version 1 made it, with a contract from a trade.
    t.tamper(&format!(
        "{SCHEMA_V1} INSERT INTO meta VALUES ('schema_version', '1'), ('format', 'megawatt'); \
         INSERT INTO contracts VALUES (1, 2, 3, 'per_gpu_hour', 5, NULL, 10, 20, 'a', 'b', NULL, NULL, 0, 1, 'pending', 0);"
    ));
    let mut store = t.open();
    assert_eq!(store.snapshots().unwrap().pop(), None);
    assert_eq!(store.idempotency(OPERATOR, "k", 0).unwrap(), None);
    drop(store);
    assert_eq!(
        t.version(),
        SCHEMA_VERSION.to_string(),
        "the migration is recorded"
    );
    // The old contract has the columns later versions added, filled in.
    let causes = t.query_text("SELECT for_cause_allowed FROM contracts WHERE id = 1");
    assert_eq!(causes, "acceptable_use,non_payment,non_delivery");
    let days = t.query_text("SELECT CAST(payment_days AS TEXT) FROM contracts WHERE id = 1");
    assert_eq!(days, "30", "older contracts pay in 30 days");
    let delivery = t.query_text(
        "SELECT CAST(delivery_target_bps AS TEXT) || ':' || delivery_unreported || ':' || \
         CAST(delivery_pro_rata AS TEXT) || ':' || delivery_tiers FROM contracts WHERE id = 1",
    );
    assert_eq!(
        delivery, "10000:delivered:1:",
        "an older fill has the exchange's first delivery terms"
    );
    t.assert_tables_match_their_row_structs();
}

/// The row structs (`megawatt_store::rows`) are the tables: a new store's columns are
/// their fields, in order (a migrated one's are checked by the migration test).
fn every_row_struct_matches_its_table(t: TestStore) {
    drop(t.open());
    t.assert_tables_match_their_row_structs();
}

/// What versions 11 to 14 added, undone, to make an older store of a new one.
const UNDO_SINCE_V11: &str = "DROP TABLE usage_reports; DROP TABLE delivery_credits; \
    DROP INDEX orders_by_plan; ALTER TABLE orders DROP COLUMN plan; \
    DROP TABLE plans; DROP TABLE plan_rows; DROP TABLE plan_orders; \
    DROP INDEX orders_by_procurement; ALTER TABLE orders DROP COLUMN procurement; \
    ALTER TABLE orders DROP COLUMN min_reliability_bps; \
    ALTER TABLE api_keys DROP COLUMN scopes; ALTER TABLE api_keys DROP COLUMN revoked_ms; \
    ALTER TABLE quotes DROP COLUMN delivery_target_bps; \
    ALTER TABLE quotes DROP COLUMN delivery_unreported; \
    ALTER TABLE quotes DROP COLUMN delivery_pro_rata; \
    ALTER TABLE quotes DROP COLUMN delivery_tiers; \
    ALTER TABLE contracts DROP COLUMN delivery_target_bps; \
    ALTER TABLE contracts DROP COLUMN delivery_unreported; \
    ALTER TABLE contracts DROP COLUMN delivery_pro_rata; \
    ALTER TABLE contracts DROP COLUMN delivery_tiers;";

/// Version 9 added `invoice_lines`: the invoices issued before it get their lines from
/// the engine's function when the store is migrated (a monthly fee split by GPU-hours,
/// largest remainder first; a fee as one line).
fn a_version_8_store_gets_the_lines_of_its_invoices(t: TestStore) {
    drop(t.open());
    let contract = "INSERT INTO contracts (id, buyer, seller, pricing, price_micros, monthly_fee_micros, \
        start_hour, end_hour, start_at, end_at, early_termination_fee_micros, status, created_ms, origin_quote, \
        ends_hour, ends_at, for_cause_allowed, payment_days) VALUES (1, 2, 3, 'monthly_fee', NULL, 1000, \
        0, 744, 'a', 'b', 7, 'active', 0, 1, 744, 'b', '', 30);";
    let lines = "INSERT INTO contract_lines VALUES (1, 0, 11, 3, 0, 744), (1, 1, 12, 1, 0, 744), (1, 2, 13, 5, 0, 10);";
    let invoices = "INSERT INTO invoices VALUES \
        (1, 1, 2, 3, 'usage', 0, 744, 'a', 'b', 1001, 0, 1464, 'c', 'open', NULL), \
        (2, 1, 2, 3, 'early_termination_fee', 700, 701, 'a', 'b', 7, 0, 1464, 'c', 'open', NULL);";
    t.tamper(&format!(
        "{UNDO_SINCE_V11} DROP TABLE invoice_lines; UPDATE meta SET value = '8' WHERE key = 'schema_version'; \
         {contract} {lines} {invoices}"
    ));
    drop(t.open());
    assert_eq!(t.version(), SCHEMA_VERSION.to_string());
    let line = |invoice: u32, no: u32| {
        t.query_text(&format!(
            "SELECT CAST(pool AS TEXT) || ':' || CAST(amount_micros AS TEXT) || ':' || \
             COALESCE(CAST(gpu_hours AS TEXT), '-') FROM invoice_lines WHERE invoice = {invoice} AND line_no = {no}"
        ))
    };
    // GPU-hours 2,232 + 744 + 50 = 3,026 share 1,001 micro-USD: 738.35, 246.12, 16.54 ->
    // 738 + 246 + 16 = 1,000, and the one left goes to the largest remainder (16.54).
    assert_eq!(line(1, 0), "11:738:2232");
    assert_eq!(line(1, 1), "12:246:744");
    assert_eq!(line(1, 2), "13:17:50");
    assert_eq!(line(2, 0), "11:7:-", "a fee is one line, on the first pool");
    let count = t.query_text("SELECT CAST(COUNT(*) AS TEXT) FROM invoice_lines");
    assert_eq!(count, "4");
}

/// A version 9 store (no event log) gets one that starts at the end of its journal:
/// the events of earlier commands were never logged, and a client asking for them is
/// told of the gap.
fn a_version_9_store_starts_its_event_log_at_its_journal_end(t: TestStore) {
    let mut store = t.open();
    let mut engine = Engine::new();
    for seq in 1..=3 {
        store
            .commit(&participant(&mut engine, seq, false).named(&engine))
            .unwrap();
    }
    drop(store);
    t.tamper(
        &format!("{UNDO_SINCE_V11} DROP TABLE events; DROP TABLE webhooks; DROP TABLE webhook_attempts; \
         DELETE FROM meta WHERE key = 'events_floor'; UPDATE meta SET value = '9' WHERE key = 'schema_version';"),
    );
    drop(t.open());
    assert_eq!(t.version(), SCHEMA_VERSION.to_string());
    assert_eq!(
        t.query_text("SELECT value FROM meta WHERE key = 'events_floor'"),
        "3"
    );
}

/// The event log keeps what a batch publishes, reads it back by audience after a
/// cursor, and forgets what falls out of its window (its floor moves with it); webhook
/// endpoints, their state and their attempt log round-trip, the log bounded.
fn the_event_log_and_webhooks_round_trip_and_the_window_moves(t: TestStore) {
    use megawatt_engine::ids::ParticipantId;
    use megawatt_store::outbox::{AttemptRow, FeedRow, WebhookRow, WebhookState, WebhookWrite};
    use megawatt_store::reader::{Audience, Reader};
    let mut store = t.open();
    let mut engine = Engine::new();
    let row = |seq: u64, n: u32, audience: Option<u64>| FeedRow {
        seq,
        n,
        audience: audience.map(ParticipantId),
        kind: if audience.is_some() { "fill" } else { "trade" }.into(),
        time_ms: seq * 1000,
        body: format!("{{\"seq\":{seq}}}"),
    };
    for seq in 1..=5 {
        let mut b = participant(&mut engine, seq, false).named(&engine);
        b.feed = vec![
            row(seq, 0, None),
            row(seq, 1, Some(2)),
            row(seq, 2, Some(3)),
        ];
        store.commit(&b).unwrap();
    }
    let mut r = Reader::open(&t.location).unwrap();
    let positions = |rows: Vec<FeedRow>| rows.iter().map(|x| (x.seq, x.n)).collect::<Vec<_>>();
    assert_eq!(r.events_floor().unwrap(), 0);
    assert_eq!(
        positions(
            r.events_after((4, 0), Audience::PublicAnd(ParticipantId(2)), 10)
                .unwrap()
        ),
        [(4, 1), (5, 0), (5, 1)]
    );
    assert_eq!(
        positions(r.events_after((3, u32::MAX), Audience::Public, 10).unwrap()),
        [(4, 0), (5, 0)]
    );
    assert_eq!(
        positions(
            r.events_after((0, 0), Audience::Own(ParticipantId(3)), 2)
                .unwrap()
        ),
        [(1, 2), (2, 2)]
    );
    assert_eq!(r.event((2, 1)).unwrap(), Some(row(2, 1, Some(2))));
    assert_eq!(
        r.count_events_after((2, 2), ParticipantId(3), &["fill".into()])
            .unwrap(),
        3
    );
    assert_eq!(
        r.count_events_after((2, 2), ParticipantId(3), &["trade".into()])
            .unwrap(),
        0
    );
    // The window moves: commands up to 3 are forgotten, and the floor says so.
    let mut b = participant(&mut engine, 6, false).named(&engine);
    b.forget_feed_through = Some(3);
    store.commit(&b).unwrap();
    assert_eq!(r.events_floor().unwrap(), 3);
    assert_eq!(
        positions(
            r.events_after((0, 0), Audience::Own(ParticipantId(2)), 10)
                .unwrap()
        ),
        [(4, 1), (5, 1)]
    );
    // Webhooks: made, moved on, attempts logged (the oldest beyond the bound dropped), deleted.
    let state = WebhookState {
        enabled: true,
        disabled_reason: None,
        failures: 0,
        cursor: (5, u32::MAX),
    };
    let hook = WebhookRow {
        id: "wh-1".into(),
        participant: ParticipantId(2),
        url: "https://hooks.example.com/x".into(),
        events: vec!["fill".into(), "contract.started".into()],
        description: None,
        secret: "whsec_1".into(),
        state: state.clone(),
        created_ms: 9,
    };
    let write = |store: &mut Box<dyn Store>, w: Vec<WebhookWrite>| {
        store
            .commit(&Batch {
                webhooks: w,
                ..Batch::default()
            })
            .unwrap()
    };
    write(&mut store, vec![WebhookWrite::Create(hook.clone())]);
    assert_eq!(r.webhooks().unwrap(), vec![hook.clone()]);
    let kept = megawatt_store::limits::WEBHOOK_ATTEMPTS_KEPT;
    let attempt = |id: u64| AttemptRow {
        webhook: "wh-1".into(),
        id,
        event: (5, 1),
        kind: "fill".into(),
        attempt: 1,
        manual: false,
        at_ms: id,
        status: Some(500),
        error: Some("answered 500: no".into()),
        duration_ms: 3,
    };
    write(
        &mut store,
        (1..=kept + 2)
            .map(|i| WebhookWrite::Attempt(attempt(i)))
            .collect(),
    );
    let disabled = WebhookState {
        enabled: false,
        disabled_reason: Some("why".into()),
        failures: 18,
        cursor: (5, 0),
    };
    write(
        &mut store,
        vec![WebhookWrite::State {
            id: "wh-1".into(),
            state: disabled.clone(),
        }],
    );
    assert_eq!(r.webhooks().unwrap()[0].state, disabled);
    assert_eq!(
        r.webhook_attempt_counts().unwrap(),
        vec![("wh-1".to_string(), kept + 2)]
    );
    let page = r.webhook_attempts("wh-1", None, 5).unwrap();
    assert_eq!(page.rows[0], attempt(kept + 2), "newest first");
    assert_eq!(page.next, Some(kept - 2));
    let oldest = r.webhook_attempts("wh-1", Some(4), 10).unwrap();
    assert_eq!(
        oldest.rows.iter().map(|a| a.id).collect::<Vec<_>>(),
        [3],
        "attempts 1 and 2 fell out of the log"
    );
    write(&mut store, vec![WebhookWrite::Delete { id: "wh-1".into() }]);
    assert!(r.webhooks().unwrap().is_empty());
    assert!(r.webhook_attempts("wh-1", None, 5).unwrap().rows.is_empty());
}

on_both_backends!(
    the_event_log_and_webhooks_round_trip_and_the_window_moves,
    a_version_9_store_starts_its_event_log_at_its_journal_end,
    every_row_struct_matches_its_table,
    a_version_8_store_gets_the_lines_of_its_invoices,
    journal_round_trips_and_a_damaged_record_is_named,
    snapshots_are_kept_two_deep_and_a_damaged_one_is_skipped,
    idempotency_answers_are_kept_for_their_time_to_live_then_forgotten,
    a_version_1_store_is_migrated_on_open,
);

/// A PostgreSQL store may live in a schema of its own (the URL's `search_path`): the
/// writer, the reader and the audit all use the connection's current schema.
#[test]
fn a_postgres_store_in_its_own_schema_is_written_and_audited() {
    let Some(t) = TestStore::postgres() else {
        return;
    };
    let Location::Postgres(url) = &t.location else {
        unreachable!()
    };
    ::postgres::Client::connect(url, ::postgres::NoTls)
        .unwrap()
        .batch_execute("CREATE SCHEMA exchange; CREATE TABLE public.unrelated (x INTEGER);")
        .unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    let location = Location::Postgres(format!("{url}{sep}options=-c%20search_path%3Dexchange"));
    let options = OpenOptions {
        name: "store test".into(),
        if_locked: IfLocked::Refuse,
        waiting: &mut |_| {},
    };
    let mut store = megawatt_store::open(&location, options).expect("a store in its schema");
    let mut engine = Engine::new();
    let batch = participant(&mut engine, 1, true);
    store.commit(&batch.clone().named(&engine)).unwrap();
    drop(store);
    let report = megawatt_store::audit::audit(&location, 1).unwrap();
    assert_eq!(report.violation_count, 0, "{:?}", report.violations);
    assert_eq!((report.commands, report.snapshots), (1, 1));
}
