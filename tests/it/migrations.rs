//! Every migration can be undone: running them all down and up again gives
//! the same schema, object for object.

use diesel::RunQueryDsl;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::MigrationHarness;

use crate::support::db::TestDb;

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

/// The schema as text: tables and their columns, constraints, indexes,
/// views, functions and triggers, each on a line of its own, sorted.
const DESCRIBE: &str = r#"
SELECT line FROM (
    SELECT format('column %s.%s %s %s %s', table_name, column_name, data_type,
                  is_nullable, coalesce(column_default, '')) AS line
      FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL
    SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    UNION ALL
    SELECT format('index %s', indexdef) FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL
    SELECT format('view %s %s', viewname, definition) FROM pg_views WHERE schemaname = 'public'
    UNION ALL
    SELECT format('function %s', pg_get_functiondef(p.oid))
      FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
    UNION ALL
    SELECT format('trigger %s', pg_get_triggerdef(t.oid))
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
) described
WHERE line NOT LIKE '%__diesel_schema_migrations%'
ORDER BY line
"#;

fn describe(conn: &mut AsyncConnectionWrapper<AsyncPgConnection>) -> Vec<String> {
    diesel::sql_query(DESCRIBE)
        .load::<Line>(conn)
        .unwrap()
        .into_iter()
        .map(|l| l.line)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_migration_runs_down_and_up_to_the_same_schema() {
    let db = TestDb::empty().await;
    baygrants::db::run_migrations(&db.url).await.unwrap();
    let conn = baygrants::db::connect(&db.url).await.unwrap();
    tokio::task::spawn_blocking(move || {
        let mut conn: AsyncConnectionWrapper<AsyncPgConnection> = conn.into();
        let migrated = describe(&mut conn);
        assert!(migrated.len() > 200, "{} schema lines", migrated.len());
        // Down one at a time, newest first: each step must undo something.
        let mut before = migrated.clone();
        let mut steps = 0;
        while !conn.applied_migrations().unwrap().is_empty() {
            let undone = conn
                .revert_last_migration(baygrants::db::MIGRATIONS)
                .unwrap();
            let after = describe(&mut conn);
            assert_ne!(after, before, "{undone} changed nothing on the way down");
            before = after;
            steps += 1;
        }
        assert!(steps >= 9, "{steps} migrations went down");
        assert_eq!(describe(&mut conn), Vec::<String>::new(), "nothing is left");
        conn.run_pending_migrations(baygrants::db::MIGRATIONS)
            .unwrap();
        let again = describe(&mut conn);
        let lost: Vec<_> = migrated.iter().filter(|l| !again.contains(l)).collect();
        let gained: Vec<_> = again.iter().filter(|l| !migrated.contains(l)).collect();
        assert!(
            lost.is_empty() && gained.is_empty(),
            "down and up changed the schema:\nlost {lost:#?}\ngained {gained:#?}"
        );
    })
    .await
    .unwrap();
}
