-- A user's roles as one array (issue 18): the session lookup that runs on
-- every signed-in request calls it, so that the statement has no SQL
-- fragment and stays prepared on each connection. PL/pgSQL keeps the inner
-- query's plan for the life of the connection.
CREATE FUNCTION user_roles_of(uid BIGINT) RETURNS TEXT[]
LANGUAGE plpgsql STABLE STRICT AS $$
BEGIN
    RETURN ARRAY(SELECT r.role FROM user_roles r WHERE r.user_id = uid ORDER BY r.role);
END
$$;
