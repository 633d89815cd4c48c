DROP FUNCTION user_roles_of(BIGINT);
