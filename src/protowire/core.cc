// core/v1 kinds that `kubectl create` generates. Field numbers: k8s.io/api/core/v1/
// generated.proto. JSON shape: the Go struct tags (omitempty scalars vanish when zero, pointer
// fields keep presence, non-pointer structs are always written).
#include "protowire/decode_macros.h"
#include "protowire/decode_util.h"
#include "protowire/kinds.h"

namespace waygate::protowire::internal {
namespace {

Result<json> DecodeMetadataField(const Field& f, const char* where) {
  WG_PW_ASSIGN(std::string_view b, AsBytes(f, where));
  return DecodeObjectMeta(b);
}

Result<json> DecodeNamespaceSpec(std::string_view bytes) {
  json out = json::object();
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(std::string s, AsString(f, "NamespaceSpec.finalizers"));
      out["finalizers"].push_back(std::move(s));
    }
  }
  return out;
}

Result<json> DecodeServicePort(std::string_view bytes) {
  // port and targetPort carry no omitempty that applies: encoding/json always writes them.
  json out = {{"port", 0}, {"targetPort", 0}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    switch (f.number) {
      case 1: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ServicePort.name"));
        SetOmitEmpty(out, "name", std::move(s));
        break;
      }
      case 2: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ServicePort.protocol"));
        SetOmitEmpty(out, "protocol", std::move(s));
        break;
      }
      case 3: {
        WG_PW_ASSIGN(out["port"], AsInt32(f, "ServicePort.port"));
        break;
      }
      case 4: {
        WG_PW_ASSIGN(std::string_view b, AsBytes(f, "ServicePort.targetPort"));
        WG_PW_ASSIGN(out["targetPort"], DecodeIntOrString(b, "ServicePort.targetPort"));
        break;
      }
      case 5: {
        WG_PW_ASSIGN(int32_t v, AsInt32(f, "ServicePort.nodePort"));
        SetOmitZero(out, "nodePort", v);
        break;
      }
      case 6: {
        WG_PW_ASSIGN(out["appProtocol"], AsString(f, "ServicePort.appProtocol"));
        break;
      }
      default:
        break;
    }
  }
  return out;
}

Result<json> DecodeSessionAffinityConfig(std::string_view bytes) {
  json out = json::object();
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number != 1) continue;  // clientIP
    WG_PW_ASSIGN(std::string_view b, AsBytes(f, "SessionAffinityConfig.clientIP"));
    json client_ip = json::object();
    WireReader cr(b);
    while (!cr.done()) {
      WG_PW_ASSIGN(Field cf, cr.Next());
      if (cf.number == 1) {
        WG_PW_ASSIGN(client_ip["timeoutSeconds"], AsInt32(cf, "ClientIPConfig.timeoutSeconds"));
      }
    }
    out["clientIP"] = std::move(client_ip);
  }
  return out;
}

Result<json> DecodeServiceSpec(std::string_view bytes) {
  json out = json::object();
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    switch (f.number) {
      case 1: {
        WG_PW_ASSIGN(std::string_view b, AsBytes(f, "ServiceSpec.ports"));
        WG_PW_ASSIGN(json port, DecodeServicePort(b));
        out["ports"].push_back(std::move(port));
        break;
      }
      case 2:
        WG_PW_CHECK(AddStringMapEntry(f, out["selector"], "ServiceSpec.selector"));
        break;
      case 3: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ServiceSpec.clusterIP"));
        SetOmitEmpty(out, "clusterIP", std::move(s));
        break;
      }
      case 4: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ServiceSpec.type"));
        SetOmitEmpty(out, "type", std::move(s));
        break;
      }
      case 5: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ServiceSpec.externalIPs"));
        out["externalIPs"].push_back(std::move(s));
        break;
      }
      case 7: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ServiceSpec.sessionAffinity"));
        SetOmitEmpty(out, "sessionAffinity", std::move(s));
        break;
      }
      case 8: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ServiceSpec.loadBalancerIP"));
        SetOmitEmpty(out, "loadBalancerIP", std::move(s));
        break;
      }
      case 9: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ServiceSpec.loadBalancerSourceRanges"));
        out["loadBalancerSourceRanges"].push_back(std::move(s));
        break;
      }
      case 10: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ServiceSpec.externalName"));
        SetOmitEmpty(out, "externalName", std::move(s));
        break;
      }
      case 11: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ServiceSpec.externalTrafficPolicy"));
        SetOmitEmpty(out, "externalTrafficPolicy", std::move(s));
        break;
      }
      case 12: {
        WG_PW_ASSIGN(int32_t v, AsInt32(f, "ServiceSpec.healthCheckNodePort"));
        SetOmitZero(out, "healthCheckNodePort", v);
        break;
      }
      case 13: {
        WG_PW_ASSIGN(bool v, AsBool(f, "ServiceSpec.publishNotReadyAddresses"));
        if (v) {
          out["publishNotReadyAddresses"] = true;
        } else {
          out.erase("publishNotReadyAddresses");
        }
        break;
      }
      case 14: {
        WG_PW_ASSIGN(std::string_view b, AsBytes(f, "ServiceSpec.sessionAffinityConfig"));
        WG_PW_ASSIGN(out["sessionAffinityConfig"], DecodeSessionAffinityConfig(b));
        break;
      }
      case 17: {
        WG_PW_ASSIGN(out["ipFamilyPolicy"], AsString(f, "ServiceSpec.ipFamilyPolicy"));
        break;
      }
      case 18: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ServiceSpec.clusterIPs"));
        out["clusterIPs"].push_back(std::move(s));
        break;
      }
      case 19: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ServiceSpec.ipFamilies"));
        out["ipFamilies"].push_back(std::move(s));
        break;
      }
      case 20: {
        WG_PW_ASSIGN(out["allocateLoadBalancerNodePorts"],
                     AsBool(f, "ServiceSpec.allocateLoadBalancerNodePorts"));
        break;
      }
      case 21: {
        WG_PW_ASSIGN(out["loadBalancerClass"], AsString(f, "ServiceSpec.loadBalancerClass"));
        break;
      }
      case 22: {
        WG_PW_ASSIGN(out["internalTrafficPolicy"],
                     AsString(f, "ServiceSpec.internalTrafficPolicy"));
        break;
      }
      case 23: {
        WG_PW_ASSIGN(out["trafficDistribution"], AsString(f, "ServiceSpec.trafficDistribution"));
        break;
      }
      default:
        break;
    }
  }
  return out;
}

}  // namespace

Result<json> DecodeNamespace(std::string_view bytes) {
  json out = {{"metadata", {{"creationTimestamp", nullptr}}},
              {"spec", json::object()},
              {"status", json::object()}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(out["metadata"], DecodeMetadataField(f, "Namespace.metadata"));
    } else if (f.number == 2) {
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "Namespace.spec"));
      WG_PW_ASSIGN(out["spec"], DecodeNamespaceSpec(b));
    }  // status (3) is the server's to write
  }
  return out;
}

Result<json> DecodeSecret(std::string_view bytes) {
  json out = {{"metadata", {{"creationTimestamp", nullptr}}}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    switch (f.number) {
      case 1: {
        WG_PW_ASSIGN(out["metadata"], DecodeMetadataField(f, "Secret.metadata"));
        break;
      }
      case 2:
        WG_PW_CHECK(AddBytesMapEntry(f, out["data"], "Secret.data"));
        break;
      case 3: {
        WG_PW_ASSIGN(std::string s, AsString(f, "Secret.type"));
        SetOmitEmpty(out, "type", std::move(s));
        break;
      }
      case 4:
        WG_PW_CHECK(AddStringMapEntry(f, out["stringData"], "Secret.stringData"));
        break;
      case 5: {
        WG_PW_ASSIGN(out["immutable"], AsBool(f, "Secret.immutable"));
        break;
      }
      default:
        break;
    }
  }
  return out;
}

Result<json> DecodeConfigMap(std::string_view bytes) {
  json out = {{"metadata", {{"creationTimestamp", nullptr}}}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    switch (f.number) {
      case 1: {
        WG_PW_ASSIGN(out["metadata"], DecodeMetadataField(f, "ConfigMap.metadata"));
        break;
      }
      case 2:
        WG_PW_CHECK(AddStringMapEntry(f, out["data"], "ConfigMap.data"));
        break;
      case 3:
        WG_PW_CHECK(AddBytesMapEntry(f, out["binaryData"], "ConfigMap.binaryData"));
        break;
      case 4: {
        WG_PW_ASSIGN(out["immutable"], AsBool(f, "ConfigMap.immutable"));
        break;
      }
      default:
        break;
    }
  }
  return out;
}

Result<json> DecodeService(std::string_view bytes) {
  json out = {{"metadata", {{"creationTimestamp", nullptr}}},
              {"spec", json::object()},
              {"status", {{"loadBalancer", json::object()}}}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(out["metadata"], DecodeMetadataField(f, "Service.metadata"));
    } else if (f.number == 2) {
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "Service.spec"));
      WG_PW_ASSIGN(out["spec"], DecodeServiceSpec(b));
    }  // status (3) is the server's to write
  }
  return out;
}

}  // namespace waygate::protowire::internal
