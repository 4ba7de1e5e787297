// Buffer: a fixed-capacity byte buffer with a read and a write cursor. Owned by one
// connection on one worker; never shared, never locked.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace waygate::net {

class Buffer {
 public:
  explicit Buffer(size_t capacity) : data_(new char[capacity]), capacity_(capacity) {}

  const char* begin() const { return data_.get() + read_; }
  char* write_ptr() { return data_.get() + write_; }
  size_t size() const { return write_ - read_; }
  bool empty() const { return read_ == write_; }
  size_t writable() const { return capacity_ - write_; }
  size_t capacity() const { return capacity_; }
  std::string_view view() const { return {begin(), size()}; }

  void Commit(size_t n) { write_ += n; }
  void Consume(size_t n) {
    read_ += n;
    if (read_ == write_) read_ = write_ = 0;
  }
  void Clear() { read_ = write_ = 0; }
  // Moves unread bytes to the front so writable() is as large as possible.
  void Compact() {
    if (read_ == 0) return;
    std::memmove(data_.get(), begin(), size());
    write_ -= read_;
    read_ = 0;
  }
  void Append(std::string_view s) {
    std::memcpy(write_ptr(), s.data(), s.size());
    write_ += s.size();
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_;
  size_t read_ = 0;
  size_t write_ = 0;
};

}  // namespace waygate::net
