#!/usr/bin/python3
# A stand-in for firewalld's D-Bus API (org.fedoraproject.FirewallD1.zone: addSource,
# removeSource, querySource, getSources, getZoneOfSource) on a private bus, with firewalld's
# error names, so that the firewall plugin's D-Bus calls (ours and the reference's) can be
# compared without a real firewalld taking over the host's firewall. Prints each call on stdout.
import sys
import dbus
import dbus.service
import dbus.mainloop.glib
from gi.repository import GLib

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(sys.argv[1])
NAME = 'org.fedoraproject.FirewallD1'
ZONE = NAME + '.zone'


class FirewallError(dbus.DBusException):
    _dbus_error_name = NAME + '.Exception'


class Firewalld(dbus.service.Object):
    def __init__(self):
        super().__init__(bus, '/org/fedoraproject/FirewallD1')
        self.sources = {}

    def log(self, *args):
        print(' '.join(str(a) for a in args), flush=True)

    @dbus.service.method(ZONE, in_signature='ss', out_signature='s')
    def addSource(self, zone, source):
        self.log('addSource', zone, source)
        bound = self.sources.get(source)
        if bound is not None:
            kind = 'ZONE_ALREADY_SET' if bound == zone else 'ZONE_CONFLICT'
            raise FirewallError("%s: '%s' already bound to '%s'" % (kind, source, bound))
        self.sources[source] = str(zone)
        return zone

    @dbus.service.method(ZONE, in_signature='ss', out_signature='s')
    def removeSource(self, zone, source):
        self.log('removeSource', zone, source)
        if self.sources.get(source) != zone:
            raise FirewallError("UNKNOWN_SOURCE: '%s' is not in any zone" % source)
        del self.sources[source]
        return zone

    @dbus.service.method(ZONE, in_signature='ss', out_signature='b')
    def querySource(self, zone, source):
        self.log('querySource', zone, source)
        return self.sources.get(source) == zone

    @dbus.service.method(ZONE, in_signature='s', out_signature='as')
    def getSources(self, zone):
        return dbus.Array(sorted(s for s, z in self.sources.items() if z == zone), signature='s')


name = dbus.service.BusName(NAME, bus)
Firewalld()
print('ready', flush=True)
GLib.MainLoop().run()
