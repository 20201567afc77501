package gatewright.host_probes_lifecycle_test

import data.gatewright.host_probes_lifecycle.violation

pod(spec) := {"review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {
	"kind": "Pod",
	"metadata": {"name": "p", "namespace": "ns"},
	"spec": spec,
}}}

msgs(inp) := m if {
	m := {v.msg | some v in violation} with input as inp
}

test_probe_host_denied if {
	c := {"name": "c", "livenessProbe": {"httpGet": {"host": "bad.host", "port": 8080}}}
	msgs(pod({"containers": [c]})) == {`Pod ns/p, container "c": spec.containers[0].livenessProbe.httpGet.host is bad.host; must be unset (the kubelet connects to the pod IP)`}
}

test_every_handler_and_action if {
	c := {
		"name": "c",
		"readinessProbe": {"tcpSocket": {"host": "8.8.8.8", "port": 1}},
		"startupProbe": {"httpGet": {"host": "127.0.0.1", "port": 1}},
		"lifecycle": {"postStart": {"httpGet": {"host": "::1", "port": 1}}, "preStop": {"tcpSocket": {"host": "localhost", "port": 1}}},
	}
	i := {"name": "i", "restartPolicy": "Always", "readinessProbe": {"tcpSocket": {"host": "db", "port": 1}}}
	e := {"name": "e", "lifecycle": {"preStop": {"httpGet": {"host": "x", "port": 1}}}}
	msgs(pod({"containers": [c], "initContainers": [i], "ephemeralContainers": [e]})) == {
		`Pod ns/p, container "c": spec.containers[0].readinessProbe.tcpSocket.host is 8.8.8.8; must be unset (the kubelet connects to the pod IP)`,
		`Pod ns/p, container "c": spec.containers[0].startupProbe.httpGet.host is 127.0.0.1; must be unset (the kubelet connects to the pod IP)`,
		`Pod ns/p, container "c": spec.containers[0].lifecycle.postStart.httpGet.host is ::1; must be unset (the kubelet connects to the pod IP)`,
		`Pod ns/p, container "c": spec.containers[0].lifecycle.preStop.tcpSocket.host is localhost; must be unset (the kubelet connects to the pod IP)`,
		`Pod ns/p, init container "i": spec.initContainers[0].readinessProbe.tcpSocket.host is db; must be unset (the kubelet connects to the pod IP)`,
		`Pod ns/p, ephemeral container "e": spec.ephemeralContainers[0].lifecycle.preStop.httpGet.host is x; must be unset (the kubelet connects to the pod IP)`,
	}
}

test_no_host_allowed if {
	c := {
		"name": "c",
		"livenessProbe": {"httpGet": {"port": 8080, "path": "/healthz"}},
		"readinessProbe": {"tcpSocket": {"port": 8080, "host": ""}},
		"startupProbe": {"exec": {"command": ["true"]}},
		"lifecycle": {"preStop": {"sleep": {"seconds": 5}}},
	}
	count(msgs(pod({"containers": [c], "initContainers": [{"name": "i"}]}))) == 0
}

test_daemonset_template if {
	inp := {"review": {"operation": "CREATE", "kind": {"kind": "DaemonSet"}, "object": {
		"kind": "DaemonSet",
		"metadata": {"name": "d", "namespace": "ns"},
		"spec": {"template": {"spec": {"containers": [{"name": "c", "livenessProbe": {"httpGet": {"host": "h", "port": 1}}}]}}},
	}}}
	count(msgs(inp)) == 1
}

test_delete_skipped if {
	inp := json.patch(pod({"containers": [{"name": "c", "livenessProbe": {"httpGet": {"host": "h", "port": 1}}}]}), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(msgs(inp)) == 0
}
