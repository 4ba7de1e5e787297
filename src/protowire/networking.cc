// networking.k8s.io/v1 Ingress. Field numbers: k8s.io/api/networking/v1/generated.proto.
// JSON shape: the Go struct tags; note `paths`, `pathType`, `backend` and `apiGroup` have no
// omitempty, so encoding/json writes them (as null when unset).
#include "protowire/decode_macros.h"
#include "protowire/decode_util.h"
#include "protowire/kinds.h"

namespace waygate::protowire::internal {
namespace {

Result<json> DecodeServiceBackendPort(std::string_view bytes) {
  json out = json::object();
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(std::string s, AsString(f, "ServiceBackendPort.name"));
      SetOmitEmpty(out, "name", std::move(s));
    } else if (f.number == 2) {
      WG_PW_ASSIGN(int32_t v, AsInt32(f, "ServiceBackendPort.number"));
      SetOmitZero(out, "number", v);
    }
  }
  return out;
}

Result<json> DecodeIngressServiceBackend(std::string_view bytes) {
  json out = {{"name", ""}, {"port", json::object()}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(out["name"], AsString(f, "IngressServiceBackend.name"));
    } else if (f.number == 2) {
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "IngressServiceBackend.port"));
      WG_PW_ASSIGN(out["port"], DecodeServiceBackendPort(b));
    }
  }
  return out;
}

Result<json> DecodeTypedLocalObjectReference(std::string_view bytes) {
  json out = {{"apiGroup", nullptr}, {"kind", ""}, {"name", ""}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(out["apiGroup"], AsString(f, "TypedLocalObjectReference.apiGroup"));
    } else if (f.number == 2) {
      WG_PW_ASSIGN(out["kind"], AsString(f, "TypedLocalObjectReference.kind"));
    } else if (f.number == 3) {
      WG_PW_ASSIGN(out["name"], AsString(f, "TypedLocalObjectReference.name"));
    }
  }
  return out;
}

Result<json> DecodeIngressBackend(std::string_view bytes) {
  json out = json::object();
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 2) {
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "IngressBackend.resource"));
      WG_PW_ASSIGN(out["resource"], DecodeTypedLocalObjectReference(b));
    } else if (f.number == 4) {
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "IngressBackend.service"));
      WG_PW_ASSIGN(out["service"], DecodeIngressServiceBackend(b));
    }
  }
  return out;
}

Result<json> DecodeHttpIngressPath(std::string_view bytes) {
  json out = {{"pathType", nullptr}, {"backend", json::object()}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(std::string s, AsString(f, "HTTPIngressPath.path"));
      SetOmitEmpty(out, "path", std::move(s));
    } else if (f.number == 2) {
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "HTTPIngressPath.backend"));
      WG_PW_ASSIGN(out["backend"], DecodeIngressBackend(b));
    } else if (f.number == 3) {
      WG_PW_ASSIGN(out["pathType"], AsString(f, "HTTPIngressPath.pathType"));
    }
  }
  return out;
}

Result<json> DecodeHttpIngressRuleValue(std::string_view bytes) {
  json out = {{"paths", nullptr}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "HTTPIngressRuleValue.paths"));
      WG_PW_ASSIGN(json path, DecodeHttpIngressPath(b));
      out["paths"].push_back(std::move(path));
    }
  }
  return out;
}

Result<json> DecodeIngressRule(std::string_view bytes) {
  json out = json::object();
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(std::string s, AsString(f, "IngressRule.host"));
      SetOmitEmpty(out, "host", std::move(s));
    } else if (f.number == 2) {
      // IngressRuleValue is inlined in JSON: its only member, http (1), sits on the rule.
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "IngressRule.ingressRuleValue"));
      WireReader vr(b);
      while (!vr.done()) {
        WG_PW_ASSIGN(Field vf, vr.Next());
        if (vf.number != 1) continue;
        WG_PW_ASSIGN(std::string_view hb, AsBytes(vf, "IngressRuleValue.http"));
        WG_PW_ASSIGN(out["http"], DecodeHttpIngressRuleValue(hb));
      }
    }
  }
  return out;
}

Result<json> DecodeIngressTls(std::string_view bytes) {
  json out = json::object();
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(std::string s, AsString(f, "IngressTLS.hosts"));
      out["hosts"].push_back(std::move(s));
    } else if (f.number == 2) {
      WG_PW_ASSIGN(std::string s, AsString(f, "IngressTLS.secretName"));
      SetOmitEmpty(out, "secretName", std::move(s));
    }
  }
  return out;
}

Result<json> DecodeIngressSpec(std::string_view bytes) {
  json out = json::object();
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    switch (f.number) {
      case 1: {
        WG_PW_ASSIGN(std::string_view b, AsBytes(f, "IngressSpec.defaultBackend"));
        WG_PW_ASSIGN(out["defaultBackend"], DecodeIngressBackend(b));
        break;
      }
      case 2: {
        WG_PW_ASSIGN(std::string_view b, AsBytes(f, "IngressSpec.tls"));
        WG_PW_ASSIGN(json tls, DecodeIngressTls(b));
        out["tls"].push_back(std::move(tls));
        break;
      }
      case 3: {
        WG_PW_ASSIGN(std::string_view b, AsBytes(f, "IngressSpec.rules"));
        WG_PW_ASSIGN(json rule, DecodeIngressRule(b));
        out["rules"].push_back(std::move(rule));
        break;
      }
      case 4: {
        WG_PW_ASSIGN(out["ingressClassName"], AsString(f, "IngressSpec.ingressClassName"));
        break;
      }
      default:
        break;
    }
  }
  return out;
}

}  // namespace

Result<json> DecodeIngress(std::string_view bytes) {
  json out = {{"metadata", {{"creationTimestamp", nullptr}}},
              {"spec", json::object()},
              {"status", {{"loadBalancer", json::object()}}}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "Ingress.metadata"));
      WG_PW_ASSIGN(out["metadata"], DecodeObjectMeta(b));
    } else if (f.number == 2) {
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "Ingress.spec"));
      WG_PW_ASSIGN(out["spec"], DecodeIngressSpec(b));
    }  // status (3) is the server's to write
  }
  return out;
}

}  // namespace waygate::protowire::internal
