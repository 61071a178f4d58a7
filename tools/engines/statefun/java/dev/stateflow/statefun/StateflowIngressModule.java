package dev.stateflow.statefun;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.statefun.extensions.ComponentBinder;
import org.apache.flink.statefun.extensions.ComponentJsonObject;
import org.apache.flink.statefun.extensions.ExtensionModule;
import org.apache.flink.statefun.flink.io.common.AutoRoutableProtobufRouter;
import org.apache.flink.statefun.flink.io.generated.AutoRoutable;
import org.apache.flink.statefun.flink.io.generated.RoutingConfig;
import org.apache.flink.statefun.flink.io.generated.TargetFunctionType;
import org.apache.flink.statefun.sdk.TypeName;
import org.apache.flink.statefun.sdk.io.IngressIdentifier;
import org.apache.flink.statefun.sdk.kafka.KafkaIngressAutoResetPosition;
import org.apache.flink.statefun.sdk.kafka.KafkaIngressBuilder;
import org.apache.flink.statefun.sdk.kafka.KafkaIngressBuilderApiExtension;
import org.apache.flink.statefun.sdk.kafka.KafkaIngressDeserializer;
import org.apache.flink.statefun.sdk.kafka.KafkaIngressStartupPosition;
import org.apache.flink.statefun.sdk.spi.StatefulFunctionModule;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The ingress kind {@code io.stateflow.kafka.v1/ingress}: Statefun's Kafka ingress, but a
 * record can never fail the job. {@code io.statefun.kafka.v1/ingress} throws on a record
 * without a key, and Flink then restarts and reads the same record again, forever. Here a
 * record without a key is routed to id {@code "-"}, an empty value arrives as an empty
 * message, and the target function decides (an error reply or a dead letter).
 *
 * <p>With {@code keyRouting}, a record whose key is {@code <Type>/<id>} for one of the
 * listed types goes straight to function {@code <namespace>/<Type>} with that id (a client
 * request names its instance in the key: one function call less per request); that
 * function validates the record itself. Every other record goes to {@code target}.
 *
 * <pre>
 * kind: io.stateflow.kafka.v1/ingress
 * spec:
 *   id: stateflow/requests          # ingress identifier
 *   address: 127.0.0.1:9092
 *   consumerGroupId: my-app
 *   topic: my-app-ingress
 *   valueType: stateflow/request    # typename of the messages the target receives
 *   target: stateflow.system/ingress
 *   keyRouting: { namespace: stateflow, types: [Account, Item] }   # optional
 *   properties: { isolation.level: read_committed }
 * </pre>
 */
public final class StateflowIngressModule implements ExtensionModule {
  static final TypeName KIND = TypeName.parseFrom("io.stateflow.kafka.v1/ingress");

  @Override
  public void configure(Map<String, String> globalConfigurations, Binder binder) {
    binder.bindExtension(KIND, new IngressBinder());
  }

  /** Binds one ingress of the module.yaml. */
  public static final class IngressBinder implements ComponentBinder {
    @Override
    public void bind(ComponentJsonObject component, StatefulFunctionModule.Binder binder) {
      JsonNode spec = component.specJsonNode();
      TypeName id = TypeName.parseFrom(text(spec, "id"));
      TypeName target = TypeName.parseFrom(text(spec, "target"));
      String valueType = text(spec, "valueType");
      RoutingConfig routing = routingTo(valueType, target.namespace(), target.name());
      Map<String, RoutingConfig> byType = new HashMap<>();
      JsonNode keyRouting = spec.get("keyRouting");
      if (keyRouting != null) {
        String namespace = text(keyRouting, "namespace");
        JsonNode types = keyRouting.get("types");
        if (types == null || !types.isArray()) {
          throw new IllegalArgumentException(KIND + ": spec.keyRouting.types must be a list of function type names");
        }
        for (JsonNode type : types) byType.put(type.asText(), routingTo(valueType, namespace, type.asText()));
      }
      IngressIdentifier<Message> ingress = new IngressIdentifier<>(Message.class, id.namespace(), id.name());
      KafkaIngressBuilder<Message> builder =
          KafkaIngressBuilder.forIdentifier(ingress)
              .withKafkaAddress(text(spec, "address"))
              .withConsumerGroupId(text(spec, "consumerGroupId"))
              .withTopic(text(spec, "topic"))
              .withAutoResetPosition(KafkaIngressAutoResetPosition.EARLIEST)
              .withStartupPosition(KafkaIngressStartupPosition.fromGroupOffsets());
      Properties properties = new Properties();
      JsonNode props = spec.get("properties");
      if (props != null) {
        for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          properties.setProperty(e.getKey(), e.getValue().asText());
        }
      }
      builder.withProperties(properties);
      KafkaIngressBuilderApiExtension.withDeserializer(builder, new TolerantDeserializer(routing, byType));
      binder.bindIngress(builder.build());
      binder.bindIngressRouter(ingress, new AutoRoutableProtobufRouter());
    }

    private static RoutingConfig routingTo(String valueType, String namespace, String type) {
      return RoutingConfig.newBuilder()
          .setTypeUrl(valueType)
          .addTargetFunctionTypes(TargetFunctionType.newBuilder().setNamespace(namespace).setType(type))
          .build();
    }

    private static String text(JsonNode spec, String field) {
      JsonNode node = spec.get(field);
      if (node == null || !node.isTextual()) {
        throw new IllegalArgumentException(KIND + ": spec." + field + " must be a string");
      }
      return node.asText();
    }
  }

  /** Every record becomes a message: never throws. */
  public static final class TolerantDeserializer implements KafkaIngressDeserializer<Message> {
    private static final long serialVersionUID = 1L;
    private final RoutingConfig routing;
    private final HashMap<String, RoutingConfig> byType;

    TolerantDeserializer(RoutingConfig routing, Map<String, RoutingConfig> byType) {
      this.routing = routing;
      this.byType = new HashMap<>(byType);
    }

    @Override
    public Message deserialize(ConsumerRecord<byte[], byte[]> record) {
      byte[] key = record.key();
      // Bad UTF-8 becomes U+FFFD (String's decoder replaces, never throws).
      String id = key == null || key.length == 0 ? "-" : new String(key, StandardCharsets.UTF_8);
      byte[] value = record.value() == null ? new byte[0] : record.value();
      RoutingConfig to = routing;
      int slash = id.indexOf('/');
      if (slash > 0 && slash < id.length() - 1) {
        RoutingConfig direct = byType.get(id.substring(0, slash));
        if (direct != null) {
          to = direct;
          id = id.substring(slash + 1);
        }
      }
      return AutoRoutable.newBuilder().setConfig(to).setId(id).setPayloadBytes(ByteString.copyFrom(value)).build();
    }
  }
}
