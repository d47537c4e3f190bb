// The order the control socket gives, told to ThreadSanitizer. A launch's
// answer goes out before the host reuses the launch's device memory and
// sends the next request, so the launch's last writes come before whatever
// the next request reads here; a sanitizer cannot see through a socket, so
// an atomic counter says the same where it can: released with each answer,
// acquired with each request.
#pragma once

void note_answer();   // before a launch's answer is sent
void note_request();  // after a request is received
