"""Internal gRPC plumbing, domain-free: server, client channels, deadlines, error mapping.

Services never see this: their servicers and remote clients are thin adapters over the client
interfaces in `yys.clients`, wired by the runtime.
"""

from yys.kit.rpc.client import RemoteService, RetryPolicy, ServiceSpec, service_config
from yys.kit.rpc.deadline import deadline_scope, outgoing_timeout, remaining
from yys.kit.rpc.errors import from_rpc_error, from_status, to_status
from yys.kit.rpc.server import RpcServer

__all__ = [
    "RemoteService",
    "RetryPolicy",
    "RpcServer",
    "ServiceSpec",
    "deadline_scope",
    "from_rpc_error",
    "from_status",
    "outgoing_timeout",
    "remaining",
    "service_config",
    "to_status",
]
