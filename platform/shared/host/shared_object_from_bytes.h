// Loads a shared object handed over as bytes. The bytes go into an anonymous
// memory file (memfd), which is dlopen'ed through /proc/self/fd: no name under
// /tmp, nothing left behind, and two processes never collide.
//
// The memfd stays open while the object is loaded: glibc recognises loaded
// objects by path string, so a /proc/self/fd/N path must not be reused while
// an object loaded through it is still mapped.
#pragma once

#include <cstddef>
#include <cstdint>

// Owns one dlopen handle.
class LoadedSharedObject {
public:
    LoadedSharedObject() = default;
    ~LoadedSharedObject() { reset(); }
    LoadedSharedObject(const LoadedSharedObject&) = delete;
    LoadedSharedObject& operator=(const LoadedSharedObject&) = delete;
    LoadedSharedObject(LoadedSharedObject&& other) noexcept
        : handle_(other.handle_), fd_(other.fd_) {
        other.handle_ = nullptr;
        other.fd_ = -1;
    }
    LoadedSharedObject& operator=(LoadedSharedObject&& other) noexcept;

    // `what` names the object in error messages ("orchestration", "kernel 3").
    int load(const uint8_t* bytes, size_t size, const char* what, char* message,
             size_t message_size);
    // Resolves a symbol; 0 on success, with the reason in `message` otherwise.
    int resolve(const char* symbol, const char* what, void** address, char* message,
                size_t message_size) const;
    bool loaded() const { return handle_ != nullptr; }
    // Keeps the object mapped for the life of the process (a thread may still
    // be executing its code).
    void leak() {
        handle_ = nullptr;
        fd_ = -1;
    }
    void reset();

private:
    void* handle_ = nullptr;
    int fd_ = -1;
};
