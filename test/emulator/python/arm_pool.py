"""Reads and writes pools through Resource Manager with Debian's azure-mgmt-batch 17.0.0 (api 2022-10-01).

argv: https endpoint, subscription, resource group, account, pool to read, identity resource id.
The endpoint's certificate is trusted through REQUESTS_CA_BUNDLE (the emulator's dev certificate).
Prints one JSON document with what it saw, for the test to assert on.
"""
import base64
import json
import sys
import time

from azure.core.credentials import AccessToken
from azure.mgmt.batch import BatchManagementClient
from azure.mgmt.batch import models


class ManagementToken:
    """An unsigned token for the management audience: the emulator checks audience and expiry only."""

    def get_token(self, *scopes, **kwargs):
        exp = int(time.time()) + 3600
        part = lambda v: base64.urlsafe_b64encode(json.dumps(v).encode()).decode().rstrip("=")
        return AccessToken(f"{part({'alg': 'none'})}.{part({'aud': 'https://management.core.windows.net/', 'exp': exp})}.", exp)


endpoint, subscription, group, account, existing, identity_id = sys.argv[1:7]
client = BatchManagementClient(ManagementToken(), subscription, base_url=endpoint)

seen = client.pool.get(group, account, existing)
out = {
    "name": seen.name,
    "type": seen.type,
    "provisioningState": seen.provisioning_state,
    "identityType": seen.identity.type if seen.identity else None,
    "identities": sorted((seen.identity.user_assigned_identities or {}).keys()) if seen.identity else [],
    "registryIdentity": seen.deployment_configuration.virtual_machine_configuration.container_configuration.container_registries[0].identity_reference.resource_id,
    "nodeAgentSkuId": seen.deployment_configuration.virtual_machine_configuration.node_agent_sku_id,
    "metadata": {m.name: m.value for m in (seen.metadata or [])},
    "listed": sorted(p.name for p in client.pool.list_by_batch_account(group, account)),
}

# A pool of its own, with a blobfuse mount; then an in-place update and an asynchronous delete.
pool = models.Pool(
    identity=models.BatchPoolIdentity(type="UserAssigned", user_assigned_identities={identity_id: models.UserAssignedIdentities()}),
    vm_size="STANDARD_D2S_V3",
    deployment_configuration=models.DeploymentConfiguration(
        virtual_machine_configuration=models.VirtualMachineConfiguration(
            image_reference=models.ImageReference(publisher="canonical", offer="0001-com-ubuntu-server-jammy", sku="22_04-lts"),
            node_agent_sku_id="batch.node.ubuntu 22.04",
        )
    ),
    scale_settings=models.ScaleSettings(fixed_scale=models.FixedScaleSettings(target_dedicated_nodes=1)),
    mount_configuration=[
        models.MountConfiguration(
            azure_blob_file_system_configuration=models.AzureBlobFileSystemConfiguration(
                account_name="media", container_name="input", relative_mount_path="input",
                identity_reference=models.ComputeNodeIdentityReference(resource_id=identity_id),
            )
        )
    ],
)
created = client.pool.create(group, account, "py-mount", pool)
out["createdState"] = created.provisioning_state
out["createdMount"] = created.mount_configuration[0].azure_blob_file_system_configuration.container_name
try:
    client.pool.create(group, account, "py-mount", pool, if_none_match="*")
    out["secondCreate"] = "accepted"
except Exception as err:  # HttpResponseError
    out["secondCreate"] = getattr(err, "status_code", None)
updated = client.pool.update(group, account, "py-mount", models.Pool(metadata=[models.MetadataItem(name="team", value="media")]))
out["updatedMetadata"] = {m.name: m.value for m in (updated.metadata or [])}
client.pool.begin_delete(group, account, "py-mount", polling_interval=0.05).result()
try:
    client.pool.get(group, account, "py-mount")
    out["afterDelete"] = "found"
except Exception as err:
    out["afterDelete"] = getattr(getattr(err, "error", None), "code", None) or getattr(err, "status_code", None)
print(json.dumps(out))
