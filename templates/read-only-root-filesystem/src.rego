package gatewright.read_only_root_filesystem

import data.lib.common
import data.lib.exception
import data.lib.message

violation contains {"msg": msg, "details": message.details(field, actual, true)} if {
	not common.is_delete
	# Kubernetes rejects readOnlyRootFilesystem on Windows pods, so they could never comply.
	not common.is_windows_pod
	some entry in common.containers
	actual := object.get(entry.container, ["securityContext", "readOnlyRootFilesystem"], null)
	actual != true
	# An unset field runs writable, so an exception allowing false admits it too.
	not exception.allowed(exception.for_container(entry), ["securityContext", "readOnlyRootFilesystem", "allowedValue"], true) == false
	field := sprintf("%s.securityContext.readOnlyRootFilesystem", [common.path(entry)])
	msg := message.format(common.container_subject(entry), field, actual, true)
}
