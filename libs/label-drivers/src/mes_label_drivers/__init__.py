"""What a label shows (`labels`), the printer languages (`drivers`: label bytes, status
query and parser) and the serial printer client (`serial_client`): pure code and pyserial,
shared by label-service and the station app (which must not install the server stack)."""
