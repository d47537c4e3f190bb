/// Checks that bytes are JSON as RFC 8259 defines it, no more (Foundation's
/// reader also takes trailing commas and other extensions), and says where
/// the first problem is: line and column, both from 1.
struct StrictJSON {
    struct Problem: Error {
        var line: Int
        var column: Int
        var message: String
    }

    private let bytes: [UInt8]
    private var at = 0

    static func check(_ data: [UInt8]) throws(Problem) {
        var checker = StrictJSON(bytes: data)
        checker.skipSpace()
        try checker.value(depth: 0)
        checker.skipSpace()
        if checker.at < data.count { throw checker.problem("unexpected text after the JSON value") }
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func problem(_ message: String) -> Problem {
        var line = 1
        var column = 1
        for b in bytes[0..<min(at, bytes.count)] {
            if b == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {  // count characters, not UTF-8 continuation bytes
                column += 1
            }
        }
        return Problem(line: line, column: column, message: message)
    }

    private var current: UInt8? { at < bytes.count ? bytes[at] : nil }

    private mutating func skipSpace() {
        while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { at += 1 }
    }

    private mutating func expect(_ c: Character) throws(Problem) {
        guard current == c.asciiValue else { throw problem("expected '\(c)'") }
        at += 1
    }

    private mutating func value(depth: Int) throws(Problem) {
        guard depth < 512 else { throw problem("nested more than 512 levels deep") }
        guard let c = current else { throw problem("the file ends where a value should be") }
        switch c {
        case UInt8(ascii: "{"): try object(depth: depth)
        case UInt8(ascii: "["): try array(depth: depth)
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"): try word("true")
        case UInt8(ascii: "f"): try word("false")
        case UInt8(ascii: "n"): try word("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw problem("expected a value (object, array, string, number, true, false or null)")
        }
    }

    private mutating func object(depth: Int) throws(Problem) {
        at += 1
        skipSpace()
        if current == UInt8(ascii: "}") {
            at += 1
            return
        }
        while true {
            skipSpace()
            if current == UInt8(ascii: "}") { throw problem("a trailing comma before '}' is not JSON") }
            guard current == UInt8(ascii: "\"") else { throw problem("expected a member name in double quotes") }
            try string()
            skipSpace()
            try expect(":")
            skipSpace()
            try value(depth: depth + 1)
            skipSpace()
            if current == UInt8(ascii: ",") {
                at += 1
                continue
            }
            guard current == UInt8(ascii: "}") else { throw problem("expected ',' or '}' after a member") }
            at += 1
            return
        }
    }

    private mutating func array(depth: Int) throws(Problem) {
        at += 1
        skipSpace()
        if current == UInt8(ascii: "]") {
            at += 1
            return
        }
        while true {
            skipSpace()
            if current == UInt8(ascii: "]") { throw problem("a trailing comma before ']' is not JSON") }
            try value(depth: depth + 1)
            skipSpace()
            if current == UInt8(ascii: ",") {
                at += 1
                continue
            }
            guard current == UInt8(ascii: "]") else { throw problem("expected ',' or ']' after an element") }
            at += 1
            return
        }
    }

    private mutating func string() throws(Problem) {
        at += 1
        while let c = current {
            switch c {
            case UInt8(ascii: "\""):
                at += 1
                return
            case UInt8(ascii: "\\"):
                at += 1
                guard let e = current else { break }
                if e == UInt8(ascii: "u") {
                    for _ in 0..<4 {
                        at += 1
                        guard let h = current, (h >= 0x30 && h <= 0x39) || (h | 0x20 >= 0x61 && h | 0x20 <= 0x66)
                        else { throw problem("\\u must be followed by four hexadecimal digits") }
                    }
                } else if !"\"\\/bfnrt".utf8.contains(e) {
                    throw problem("'\\\(Character(UnicodeScalar(e)))' is not a JSON escape")
                }
                at += 1
            case 0x00..<0x20:
                throw problem("a control character (a raw newline or tab?) inside a string; escape it")
            default:
                at += 1
            }
        }
        throw problem("the file ends inside a string")
    }

    private mutating func word(_ text: String) throws(Problem) {
        for c in text.utf8 {
            guard current == c else { throw problem("expected '\(text)'") }
            at += 1
        }
    }

    private mutating func number() throws(Problem) {
        if current == UInt8(ascii: "-") { at += 1 }
        guard let first = current, first >= 0x30 && first <= 0x39 else { throw problem("expected a digit") }
        at += 1
        if first == 0x30, let next = current, next >= 0x30 && next <= 0x39 {
            throw problem("a number cannot start with 0 followed by digits")
        }
        digits()
        if current == UInt8(ascii: ".") {
            at += 1
            guard let d = current, d >= 0x30 && d <= 0x39 else { throw problem("expected a digit after '.'") }
            digits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            at += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { at += 1 }
            guard let d = current, d >= 0x30 && d <= 0x39 else { throw problem("expected a digit in the exponent") }
            digits()
        }
    }

    private mutating func digits() {
        while let c = current, c >= 0x30 && c <= 0x39 { at += 1 }
    }
}
