// A shared object the device process loaded from a descriptor the host sent
// (a memfd holding its bytes): opened through /proc/self/fd, the descriptor
// kept open while the object is loaded (glibc recognises loaded objects by
// path, so the path must not be reused while the object is mapped).
#pragma once

#include <string>

class LoadedObject {
public:
    LoadedObject() = default;
    ~LoadedObject();
    LoadedObject(const LoadedObject&) = delete;
    LoadedObject& operator=(const LoadedObject&) = delete;

    // Takes ownership of `fd`. 0, or a PtoStatus with the reason in `message`.
    int open(int fd, const char* what, std::string* message);
    // 0 and the address, or PTO_ERR_SYMBOL_NOT_FOUND with the reason.
    int resolve(const char* symbol, const char* what, void** address, std::string* message) const;
    void* handle() const { return handle_; }

private:
    void* handle_ = nullptr;
    int fd_ = -1;
};
