package gatewright.windows_host_process_test

import data.gatewright.windows_host_process.violation

pod(spec) := {"review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {
	"kind": "Pod",
	"metadata": {"name": "p", "namespace": "ns"},
	"spec": spec,
}}}

msgs(inp) := m if {
	m := {v.msg | some v in violation} with input as inp
}

host_process := {"securityContext": {"windowsOptions": {"hostProcess": true}}}

test_pod_level_denied if {
	msgs(pod(object.union(host_process, {"containers": [{"name": "c"}]}))) == {"Pod ns/p: spec.securityContext.windowsOptions.hostProcess is true; allowed: false"}
}

test_each_container_kind_denied if {
	c := object.union({"name": "c"}, host_process)
	i := object.union({"name": "i"}, host_process)
	e := object.union({"name": "e"}, host_process)
	msgs(pod({"containers": [c], "initContainers": [i], "ephemeralContainers": [e]})) == {
		`Pod ns/p, container "c": spec.containers[0].securityContext.windowsOptions.hostProcess is true; allowed: false`,
		`Pod ns/p, init container "i": spec.initContainers[0].securityContext.windowsOptions.hostProcess is true; allowed: false`,
		`Pod ns/p, ephemeral container "e": spec.ephemeralContainers[0].securityContext.windowsOptions.hostProcess is true; allowed: false`,
	}
}

test_false_and_unset_allowed if {
	off := {"securityContext": {"windowsOptions": {"hostProcess": false, "runAsUserName": "ContainerUser"}}}
	count(msgs(pod(object.union(off, {"containers": [object.union({"name": "c"}, off)], "initContainers": [{"name": "i"}]})))) == 0
}

test_job_template if {
	inp := {"review": {"operation": "CREATE", "kind": {"kind": "Job"}, "object": {
		"kind": "Job",
		"metadata": {"name": "j", "namespace": "ns"},
		"spec": {"template": {"spec": object.union(host_process, {"containers": [{"name": "c"}]})}},
	}}}
	msgs(inp) == {"Job ns/j: spec.template.spec.securityContext.windowsOptions.hostProcess is true; allowed: false"}
}

test_delete_skipped if {
	inp := json.patch(pod(object.union(host_process, {"containers": [{"name": "c"}]})), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(msgs(inp)) == 0
}
