package gatewright.priority_class_test

import data.gatewright.priority_class.violation

inp(kind, obj, allowed) := {"parameters": {"priorityClassNames": allowed}, "review": {"operation": "CREATE", "kind": {"kind": kind}, "object": obj}}

pod(spec) := {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": spec}

test_allowed_class if {
	count(violation) == 0 with input as inp("Pod", pod({"priorityClassName": "production-high"}), ["production-high"])
}

test_other_class_denied if {
	some v in violation with input as inp("Pod", pod({"priorityClassName": "system-node-critical"}), ["production-high"])
	v.msg == `Pod ns/p: spec.priorityClassName is system-node-critical; allowed: ["production-high"]`
}

test_unset_denied_unless_empty_listed if {
	some v in violation with input as inp("Pod", pod({}), ["production-high"])
	v.msg == `Pod ns/p: spec.priorityClassName is unset; allowed: ["production-high"]`
	count(violation) == 0 with input as inp("Pod", pod({}), ["production-high", ""])
}

test_cronjob_template if {
	cj := {"kind": "CronJob", "metadata": {"name": "c", "namespace": "ns"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {"priorityClassName": "x"}}}}}}
	some v in violation with input as inp("CronJob", cj, ["y"])
	v.msg == `CronJob ns/c: spec.jobTemplate.spec.template.spec.priorityClassName is x; allowed: ["y"]`
}

test_delete_skipped if {
	count(violation) == 0 with input as json.patch(inp("Pod", pod({}), ["a"]), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
}
