"""The weights spc knows: ``manifest.json`` (every model backend's weights, where they come
from, licence, size, memory, checksums) and the small weights trained here, shipped with
spc. Installed as the package ``spc_cli.weights``; read it through ``spc_cli.manifest``."""
