package upshift.connect;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A session that reports every SQL text it is given (prepared, or executed on a plain statement) before it runs:
 * what -v shows for a step whose work is reading, such as status ({@link Cluster#logStatements}).
 */
final class StatementLog {

    private static final Set<String> PREPARING = Set.of("prepareStatement", "prepareCall");
    private static final Set<String> EXECUTING = Set.of("execute", "executeQuery", "executeUpdate",
            "executeLargeUpdate", "addBatch");

    private StatementLog() {
    }

    /** {@code connection}, reporting each SQL text to {@code log} as (role, sql). */
    static Connection wrap(Connection connection, String role, BiConsumer<String, String> log) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (PREPARING.contains(method.getName()) && args != null && args[0] instanceof String sql) {
                log.accept(role, sql);
            }
            Object result = invoke(connection, method, args);
            if (result instanceof Statement st && method.getName().equals("createStatement")) {
                return statement(st, role, log);
            }
            return result;
        };
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, handler);
    }

    private static Statement statement(Statement statement, String role, BiConsumer<String, String> log) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (EXECUTING.contains(method.getName()) && args != null && args[0] instanceof String sql) {
                log.accept(role, sql);
            }
            return invoke(statement, method, args);
        };
        return (Statement) Proxy.newProxyInstance(Statement.class.getClassLoader(),
                new Class<?>[] {Statement.class}, handler);
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
