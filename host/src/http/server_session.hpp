// ServerSession: Poco's HTTPServerSession with its read() made public. Poco's fixed-length body
// stream reads through a 4 KiB stream buffer, so a 512 MiB upload took ~131,000 recv calls and an
// extra copy; HTTPSession::read() returns what the session has buffered, else receives straight
// into the caller's buffer, so a body is read in the caller's chunk size.
#pragma once

#include <Poco/Net/HTTPServerSession.h>

namespace wharf::host {

class ServerSession : public Poco::Net::HTTPServerSession {
 public:
  using Poco::Net::HTTPServerSession::HTTPServerSession;
  using Poco::Net::HTTPSession::read;
};

}  // namespace wharf::host
