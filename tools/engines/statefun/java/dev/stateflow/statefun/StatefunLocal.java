package dev.stateflow.statefun;

import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.statefun.flink.core.StatefulFunctionsConfig;
import org.apache.flink.statefun.flink.core.StatefulFunctionsJob;
import org.apache.flink.statefun.flink.core.StatefulFunctionsUniverse;
import org.apache.flink.statefun.flink.core.StatefulFunctionsUniverseProvider;
import org.apache.flink.statefun.flink.core.spi.Modules;
import org.apache.flink.streaming.api.environment.ExecutionCheckpointingOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Runs a Stateful Functions application on a local Flink mini-cluster, in this JVM: what
 * statefun-flink-harness does, with the modules of the classpath and of
 * {@code statefun.remote.module-name} (a module.yaml), and the Flink settings of a
 * properties file. Unlike {@code StatefulFunctionsClusterEntryPoint} it needs nothing
 * under /opt. Restores from a checkpoint when {@code execution.savepoint.path} is set.
 *
 * <p>Usage: {@code java -cp <statefun jars>:stateflow-statefun.jar dev.stateflow.statefun.StatefunLocal flink.properties}
 */
public final class StatefunLocal {
  private StatefunLocal() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: StatefunLocal <flink.properties>");
      System.exit(2);
    }
    Properties props = new Properties();
    try (InputStreamReader in = new InputStreamReader(new FileInputStream(args[0]), StandardCharsets.UTF_8)) {
      props.load(in);
    }
    Configuration conf = new Configuration();
    for (String key : props.stringPropertyNames()) conf.setString(key, props.getProperty(key));
    // What Statefun requires of every deployment (StatefulFunctionsConfigValidator).
    conf.set(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL,
        Arrays.asList("org.apache.flink.statefun", "org.apache.kafka", "com.google.protobuf"));
    conf.set(ExecutionCheckpointingOptions.MAX_CONCURRENT_CHECKPOINTS, 1);
    int parallelism = conf.getInteger(CoreOptions.DEFAULT_PARALLELISM, 1);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
    env.setParallelism(parallelism);
    env.configure(conf, Thread.currentThread().getContextClassLoader());
    String topics = props.getProperty("stateflow.create-topics", "");
    if (!topics.isEmpty()) createTopics(props.getProperty("stateflow.bootstrap"), topics.split(","));
    StatefulFunctionsConfig statefun = StatefulFunctionsConfig.fromFlinkConfiguration(conf);
    statefun.setProvider(new ClassPathProvider());
    System.out.println("STATEFUN_SUBMITTING");
    StatefulFunctionsJob.main(env, statefun);
  }

  /** Creates the topics that do not exist yet (one partition, replication factor 1). */
  private static void createTopics(String bootstrap, String[] names) throws Exception {
    Properties admin = new Properties();
    admin.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    admin.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
    try (Admin client = Admin.create(admin)) {
      Set<String> existing = client.listTopics().names().get();
      List<NewTopic> missing = new ArrayList<>();
      for (String name : names) {
        if (!name.isEmpty() && !existing.contains(name)) missing.add(new NewTopic(name, 1, (short) 1));
      }
      try {
        client.createTopics(missing).all().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) throw e;
      }
      System.out.println("STATEFUN_TOPICS " + String.join(",", names) + " (created " + missing.size() + ")");
    }
  }

  /** The modules found on the classpath and the remote module (module.yaml). */
  public static final class ClassPathProvider implements StatefulFunctionsUniverseProvider {
    private static final long serialVersionUID = 1;

    @Override
    public StatefulFunctionsUniverse get(ClassLoader classLoader, StatefulFunctionsConfig configuration) {
      return Modules.loadFromClassPath(configuration).createStatefulFunctionsUniverse();
    }
  }
}
