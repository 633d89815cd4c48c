DROP TABLE audit_events;
DROP TABLE outbox;
DROP TABLE login_failures;
DROP TABLE user_tokens;
DROP TABLE sessions;
DROP TABLE user_roles;
DROP TABLE users;
DROP FUNCTION refuse_change();
