package gatewright.ingress_class_test

import data.gatewright.ingress_class.violation

inp(obj) := {"parameters": {"ingressClassNames": ["nginx"]}, "review": {"operation": "CREATE", "kind": {"kind": obj.kind}, "object": obj}}

ingress(metadata, spec) := {"kind": "Ingress", "metadata": object.union({"name": "i", "namespace": "ns"}, metadata), "spec": spec}

test_allowed_field_and_annotation if {
	count(violation) == 0 with input as inp(ingress({}, {"ingressClassName": "nginx"}))
	count(violation) == 0 with input as inp(ingress({"annotations": {"kubernetes.io/ingress.class": "nginx"}}, {}))
}

test_disallowed_field if {
	some v in violation with input as inp(ingress({}, {"ingressClassName": "public"}))
	v.msg == `Ingress ns/i: spec.ingressClassName is public; allowed: ["nginx"]`
}

test_disallowed_annotation_even_with_allowed_field if {
	vs := violation with input as inp(ingress({"annotations": {"kubernetes.io/ingress.class": "public"}}, {"ingressClassName": "nginx"}))
	{v.msg | some v in vs} == {`Ingress ns/i: metadata.annotations["kubernetes.io/ingress.class"] is public; allowed: ["nginx"]`}
}

test_no_class if {
	some v in violation with input as inp(ingress({}, {}))
	v.msg == `Ingress ns/i: spec.ingressClassName is unset; allowed: ["nginx"]`
	count(violation) == 0 with input as json.patch(inp(ingress({}, {})), [{"op": "add", "path": "/parameters/ingressClassNames/-", "value": ""}])
}

test_other_kind_and_delete_ignored if {
	count(violation) == 0 with input as inp({"kind": "Service", "metadata": {"name": "s"}})
	count(violation) == 0 with input as json.patch(inp(ingress({}, {})), [{"op": "add", "path": "/review/operation", "value": "DELETE"}])
}
